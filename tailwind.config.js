// Tailwind CSS 3 configuration; mk/frontend.mk builds static/dist/app.css with it.
const defaultTheme = require("tailwindcss/defaultTheme");
const colors = require("tailwindcss/colors");

module.exports = {
  content: {
    // Globs are relative to this file, not to the directory make runs in.
    relative: true,
    files: [
      "./views/**/*.templ",
      "./views/**/*.go",
      "./handlers/**/*.go",
      "./static/src/**/*.{js,mjs}",
    ],
  },
  // Component classes that Go code may build from data ("badge-" + status) and
  // so never appear whole in the scanned sources.
  safelist: [
    "btn", "btn-primary", "btn-secondary", "btn-danger",
    "input", "label", "field-error", "card",
    "badge", "badge-running", "badge-stopped", "badge-creating", "badge-failed",
    "badge-paused", "badge-suspended", "badge-crashed", "badge-destroyed",
    "flash-error", "flash-success", "table", "table-wrap",
    "nav-link", "nav-link-active",
  ],
  theme: {
    extend: {
      fontFamily: {
        sans: ["Vazirmatn", ...defaultTheme.fontFamily.sans],
      },
      colors: {
        // The one brand colour; views say brand-600, never indigo-600.
        brand: colors.indigo,
      },
    },
  },
  plugins: [],
};
