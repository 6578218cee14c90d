// The VM page's Graphs tab: uPlot charts of /vms/{uuid}/graphs, asked again every 30 s
// while the tab is in sight (If-None-Match: an unchanged answer is a 304 and nothing is
// drawn). Numbers and times are written here, in the page's language: Persian digits and
// separators, Jalali dates in Tehran for fa (the browser's Intl, whose ICU knows the
// Persian calendar), Gregorian in UTC for en, as the server's i18n helpers write them.
// Words and unit templates come from the page (data-graphs-text), from the catalog.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./graphs.css";

const REFRESH_MS = 30_000;

const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

// The charts, each with the series (keys of the answer) it draws and how a value reads.
const CHARTS = [
  { key: "cpu", series: [["cpu.cpu", "graphs.series_cpu"]], unit: "percent", max: 100 },
  { key: "memory", series: [["memory.used", "graphs.series_memory"]], unit: "bytes" },
  { key: "network", series: [["network.in", "graphs.series_in"], ["network.out", "graphs.series_out"]], unit: "bits" },
  { key: "disk", series: [["disk.read", "graphs.series_read"], ["disk.write", "graphs.series_write"]], unit: "bytesRate" },
  { key: "iops", series: [["disk.read_iops", "graphs.series_read"], ["disk.write_iops", "graphs.series_write"]], unit: "ops" },
];

const COLORS = ["#2563eb", "#db2777"];

function formatter(text) {
  const fa = text.locale === "fa";
  const t = (key, n) => (text[key] ?? key).replace("{n}", n);

  // A number with at most `decimals` decimals, grouped, in the locale's digits.
  const number = (v, decimals) => {
    const s = v.toLocaleString("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
    if (!fa) return s;
    return s.replace(/[0-9]/g, (d) => PERSIAN_DIGITS[d]).replace(/,/g, "٬").replace(/\./g, "٫");
  };
  // A value in the largest unit that keeps it at 1 or more.
  const scaled = (v, base, keys) => {
    let i = 0;
    while (i < keys.length - 1 && Math.abs(v) >= base) {
      v /= base;
      i++;
    }
    return t(keys[i], number(v, v < 10 && i > 0 ? 1 : 0));
  };
  const bytes = (v) => scaled(v, 1024, ["unit.b", "unit.kb", "unit.mb", "unit.gb", "unit.tb"]);
  const values = {
    percent: (v) => t("graphs.percent", number(v, v < 10 ? 1 : 0)),
    bytes,
    bytesRate: (v) => t("graphs.per_second", bytes(v)),
    bits: (v) => t("graphs.per_second", scaled(v, 1000, ["graphs.bit", "graphs.kbit", "graphs.mbit", "graphs.gbit"])),
    ops: (v) => t("graphs.ops", number(v, v < 10 ? 1 : 0)),
  };

  // Times: fa in Tehran on the Jalali calendar, en in UTC.
  const zone = fa ? "Asia/Tehran" : "UTC";
  const locale = fa ? "fa-IR-u-ca-persian-nu-arabext" : "en-GB";
  const dtf = (opts) => new Intl.DateTimeFormat(locale, { timeZone: zone, ...opts });
  const clock = dtf({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const dayMonth = dtf({ day: "numeric", month: "short" });
  const monthYear = dtf({ month: "short", year: "numeric" });
  const full = dtf({ year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const at = (sec) => new Date(sec * 1000);
  // The axis' labels by the span shown: the clock within a day or two, the day within
  // a month and a half, the month beyond.
  const tick = (span) => {
    if (span <= 2 * 86400) return (sec) => clock.format(at(sec));
    if (span <= 45 * 86400) return (sec) => dayMonth.format(at(sec));
    return (sec) => monthYear.format(at(sec));
  };
  const moment = (sec) => full.format(at(sec)) + (fa ? "" : " UTC");
  return { values, tick, moment, t, fa };
}

function init(root) {
  if (root.dataset.graphsReady) return;
  root.dataset.graphsReady = "1";
  const text = JSON.parse(root.dataset.graphsText);
  const fmt = formatter(text);
  const url = root.dataset.graphs;
  const panel = root.closest("[data-tab-panel]") ?? root;
  const chartsBox = root.querySelector("[data-graphs-charts]");
  const empty = root.querySelector("[data-graphs-empty]");
  const plots = new Map();
  let range = root.querySelector("[data-range][aria-pressed=true]")?.dataset.range ?? "1h";
  let etag = null;
  let timer = null;
  let last = null;

  const visible = () => !panel.hidden && document.visibilityState === "visible";

  function build(spec, body) {
    const figure = root.querySelector(`[data-chart="${spec.key}"]`);
    const box = figure.querySelector("[data-plot]");
    const value = fmt.values[spec.unit];
    const span = () => (last ? last.x[last.x.length - 1] - last.x[0] : 3600);
    const opts = {
      width: Math.max(box.clientWidth, 240),
      height: window.innerWidth < 640 ? 170 : 200,
      legend: { live: true },
      cursor: { points: { size: 6 } },
      scales: {
        x: { time: true },
        y: { range: (u, min, max) => [0, spec.max ?? (max > 0 ? max * 1.1 : 1)] },
      },
      axes: [
        {
          font: "11px Vazirmatn, system-ui, sans-serif",
          values: (u, splits) => {
            const write = fmt.tick(span());
            const labels = splits.map((s) => (s == null ? "" : write(s)));
            figure.dataset.xTicks = labels.join("|");
            return labels;
          },
        },
        {
          font: "11px Vazirmatn, system-ui, sans-serif",
          size: (u, vals) => 12 + Math.max(40, ...(vals ?? []).map((v) => v.length * 6.5)),
          values: (u, splits) => {
            const labels = splits.map((s) => value(s));
            figure.dataset.yTicks = labels.join("|");
            return labels;
          },
        },
      ],
      series: [
        { label: text["graphs.time"], value: (u, v) => (v == null ? text["graphs.no_value"] : fmt.moment(v)) },
        ...spec.series.map(([, label], i) => ({
          label: text[label],
          stroke: COLORS[i],
          width: 1.5,
          fill: spec.series.length === 1 ? COLORS[i] + "22" : undefined,
          spanGaps: false,
          value: (u, v) => (v == null ? text["graphs.no_value"] : value(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, dataOf(spec, body), box);
    plots.set(spec.key, plot);
  }

  function dataOf(spec, body) {
    return [body.x, ...spec.series.map(([key]) => body.series[key] ?? body.x.map(() => null))];
  }

  function draw(body) {
    last = body;
    const points = Object.values(body.series).reduce((n, s) => n + s.filter((v) => v != null).length, 0);
    root.dataset.shownRange = body.range;
    root.dataset.slots = String(body.x.length);
    root.dataset.points = String(points);
    empty.hidden = !body.empty;
    chartsBox.hidden = body.empty;
    if (body.empty) return;
    for (const spec of CHARTS) {
      const plot = plots.get(spec.key);
      if (plot) plot.setData(dataOf(spec, body));
      else build(spec, body);
    }
    root.dataset.drawn = body.range;
  }

  async function load() {
    clearTimeout(timer);
    timer = null;
    if (!visible()) return;
    const asked = range;
    try {
      const res = await fetch(`${url}?range=${encodeURIComponent(asked)}`, {
        cache: "no-store",
        credentials: "same-origin",
        headers: etag ? { "If-None-Match": etag, Accept: "application/json" } : { Accept: "application/json" },
      });
      if (asked !== range) return; // a newer range was asked meanwhile
      if (res.ok) {
        etag = res.headers.get("ETag");
        draw(await res.json());
      }
    } catch {
      // Offline for a moment: the next turn asks again.
    } finally {
      if (asked === range && visible()) timer = setTimeout(load, REFRESH_MS);
    }
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-range]");
    if (!button || button.dataset.range === range) return;
    range = button.dataset.range;
    etag = null;
    for (const b of root.querySelectorAll("[data-range]")) b.setAttribute("aria-pressed", String(b === button));
    load();
  });

  // The tab shown or the window back in front: draw at once, then every 30 s.
  new MutationObserver(() => {
    if (visible() && !timer) load();
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
  document.addEventListener("visibilitychange", () => {
    if (visible() && !timer) load();
  });

  new ResizeObserver(() => {
    for (const [key, plot] of plots) {
      const box = root.querySelector(`[data-chart="${key}"] [data-plot]`);
      if (box.clientWidth > 0 && box.clientWidth !== plot.width) {
        plot.setSize({ width: box.clientWidth, height: window.innerWidth < 640 ? 170 : 200 });
      }
    }
  }).observe(chartsBox);

  load();
}

for (const root of document.querySelectorAll("[data-graphs]")) init(root);
