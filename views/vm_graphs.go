package views

import (
	"encoding/json"

	"abrak/views/i18n"
)

// graphRangeLabels name the Graphs tab's ranges (VMPageView.GraphRanges,
// which the handler takes from services.GraphRanges).
var graphRangeLabels = map[string]string{
	"1h": "graphs.range_1h", "24h": "graphs.range_24h", "7d": "graphs.range_7d",
	"30d": "graphs.range_30d", "13mo": "graphs.range_13mo",
}

// graphsText is what graphs.js writes on the charts, in the page's
// language: titles, series names and the unit templates ("{n} MB"). The
// numbers and times themselves are formatted by the script (Persian digits,
// Jalali dates in Tehran for fa), which draws them on a canvas.
func graphsText(s Shell) string {
	keys := []string{
		"graphs.cpu", "graphs.memory", "graphs.disk", "graphs.iops", "graphs.network",
		"graphs.series_cpu", "graphs.series_memory", "graphs.series_read", "graphs.series_write",
		"graphs.series_in", "graphs.series_out", "graphs.time",
		"graphs.percent", "graphs.per_second", "graphs.ops",
		"graphs.bit", "graphs.kbit", "graphs.mbit", "graphs.gbit", "graphs.no_value",
		"unit.b", "unit.kb", "unit.mb", "unit.gb", "unit.tb",
	}
	text := map[string]string{"locale": string(s.Locale)}
	for _, k := range keys {
		text[k] = i18n.T(s.Locale, k, "n", "{n}")
	}
	b, _ := json.Marshal(text) // a map of strings always encodes
	return string(b)
}

// boolString is an ARIA state's value.
func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
