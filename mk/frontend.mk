# Front-end build: Tailwind CSS, the htmx and noVNC bundles and the Vazirmatn font go
# into static/dist, which static/static.go embeds into the binary. Included by the
# top-level Makefile; `make -f mk/frontend.mk frontend` also works from the repo root.

ROOT ?= $(CURDIR)

FRONTEND_DIST := $(ROOT)/static/dist
FRONTEND_SRC := $(ROOT)/static/src
NODE_BIN := $(ROOT)/node_modules/.bin
# Written after a successful `npm ci`; npm ci empties node_modules first, so the
# stamp's age is the age of the install.
NODE_STAMP := $(ROOT)/node_modules/.abrak-installed

# What Tailwind scans for class names (see tailwind.config.js), less tests and the
# generated *_templ.go: their .templ sources stand for them, and templ touches its
# output on every run, which would otherwise rebuild app.css for nothing.
FRONTEND_JS_SRC := $(shell find $(FRONTEND_SRC) -type f \( -name '*.js' -o -name '*.mjs' \) 2>/dev/null)
FRONTEND_CLASS_SRC := $(FRONTEND_JS_SRC) \
	$(shell find $(ROOT)/views $(ROOT)/handlers -type f \( -name '*.templ' -o -name '*.go' \) ! -name '*_templ.go' ! -name '*_test.go' 2>/dev/null)

# The package names its variable font Vazirmatn[wght].woff2; brackets are escaped
# here so make does not read them as a glob, and the copy gets a plain name.
VAZIRMATN_FONT := $(ROOT)/node_modules/vazirmatn/fonts/webfonts/Vazirmatn\[wght\].woff2

FRONTEND_OUT := \
	$(FRONTEND_DIST)/app.css \
	$(FRONTEND_DIST)/app.js \
	$(FRONTEND_DIST)/console.js \
	$(FRONTEND_DIST)/graphs.js \
	$(FRONTEND_DIST)/fonts/Vazirmatn-Variable.woff2

.PHONY: frontend frontend-clean

frontend: $(FRONTEND_OUT)

$(NODE_STAMP): $(ROOT)/package-lock.json
	cd $(ROOT) && npm ci --no-audit --no-fund
	touch $@

# Tailwind leaves an unchanged output untouched, hence the touch: make needs the
# target newer than its sources.
$(FRONTEND_DIST)/app.css: $(FRONTEND_SRC)/app.css $(ROOT)/tailwind.config.js $(FRONTEND_CLASS_SRC) $(NODE_STAMP)
	cd $(ROOT) && BROWSERSLIST_IGNORE_OLD_DATA=1 $(NODE_BIN)/tailwindcss --config tailwind.config.js --input $< --output $@ --minify
	@touch $@

$(FRONTEND_DIST)/app.js: $(FRONTEND_JS_SRC) $(NODE_STAMP)
	$(NODE_BIN)/esbuild $(FRONTEND_SRC)/app.js --bundle --minify --target=es2020 --outfile=$@ --log-level=warning

# noVNC uses top-level await: only an ES module output at es2022 keeps it.
$(FRONTEND_DIST)/console.js: $(FRONTEND_JS_SRC) $(NODE_STAMP)
	$(NODE_BIN)/esbuild $(FRONTEND_SRC)/console.mjs --bundle --minify --format=esm --target=es2022 --outfile=$@ --log-level=warning

# The VM page's graphs: uPlot and its stylesheet (graphs.css, written beside
# graphs.js), loaded by that page alone rather than by every page in app.js.
$(FRONTEND_DIST)/graphs.js: $(FRONTEND_JS_SRC) $(FRONTEND_SRC)/graphs.css $(NODE_STAMP)
	$(NODE_BIN)/esbuild $(FRONTEND_SRC)/graphs.mjs --bundle --minify --format=esm --target=es2020 --outfile=$@ --log-level=warning

$(FRONTEND_DIST)/fonts/Vazirmatn-Variable.woff2: $(NODE_STAMP)
	mkdir -p $(@D)
	cp $(VAZIRMATN_FONT) $@

# Removes what the build made; the committed README stays so go:embed still compiles.
frontend-clean:
	find $(FRONTEND_DIST) -mindepth 1 ! -name README -delete
