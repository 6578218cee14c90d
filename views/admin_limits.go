package views

// SupportLimitsView is the Settings page's section on what support may move
// in customers' wallets: a form for an admin, the figures for support.
type SupportLimitsView struct {
	CanManage      bool
	PerAct, PerDay int64 // toman
	Form           Form  // the limits as they are, or the refused values
}

// CreditAllowance is what a support person may still move, in toman.
type CreditAllowance struct {
	PerAct, LeftToday int64
}
