package views

// VMAlertsView is the Graphs tab's alerts: the VM's, and the form that adds one.
type VMAlertsView struct {
	List []AlertRow
	Form Form
}

// AlertRow is one alert as the tab lists it.
type AlertRow struct {
	ID                 int64
	Kind               string
	Threshold, Minutes int
	Firing             bool
}

// alertKinds are the kinds the form offers, with their names.
var alertKinds = []struct{ kind, label string }{
	{"cpu", "alert.kind_cpu"}, {"memory", "alert.kind_memory"}, {"disk", "alert.kind_disk"},
	{"traffic", "alert.kind_traffic"}, {"stopped", "alert.kind_stopped"},
}

// alertLine says what an alert watches, in the page's language.
func alertLine(s Shell, a AlertRow) string {
	n := s.Num(int64(a.Threshold))
	switch a.Kind {
	case "cpu":
		return s.T("alert.line_cpu", "n", n, "minutes", s.Num(int64(a.Minutes)))
	case "memory":
		return s.T("alert.line_memory", "n", n)
	case "disk":
		return s.T("alert.line_disk", "n", n)
	case "traffic":
		return s.T("alert.line_traffic", "n", n)
	}
	return s.T("alert.line_stopped")
}
