package services

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"abrak/mail"
	"abrak/store"
)

// MailConfig is the operator's mail settings.
type MailConfig struct {
	Server   mail.Server // Server.Addr empty: no mail is sent, and what needs it says so
	From     string      // the sender address
	Provider string      // the provider's name, in every letter
	BaseURL  string      // the panel's public URL, for links
	// Interval is how often the queue is looked at besides when a letter is
	// queued (10 s); RetryBase is the wait after a first failure, doubled at each
	// next one up to RetryMax (30 s and 1 h).
	Interval, RetryBase, RetryMax time.Duration
	Now                           func() time.Time
}

// Mailer queues letters in SQLite and delivers them over SMTP in the
// background: a request that sends mail only writes a row, and a mail server
// that is down or refusing delays letters, never loses them.
type Mailer struct {
	db     *store.DB
	cfg    MailConfig
	render mail.Renderer
	log    *slog.Logger
	wake   chan struct{}
	// Sent counts letters the server took, Failed those it refused for good.
	Sent, Failed atomic.Int64
	// Brands gives letters' links the brand's base URL when it has one.
	Brands *Brands
}

// MailKinds are every kind of letter Abrak sends; each has its words in every locale.
var MailKinds = []string{"verify", "reset", "vm_ready", "low_balance", "low_balance_hour", "unpaid_off", "suspended", "delete_warning", "deleted_unpaid", "topup", "replica_behind", "replica_caught_up",
	"vm_moved", "vm_moved_restarted", "vm_moved_off", "team_invite",
	"alert_cpu_fired", "alert_cpu_resolved", "alert_memory_fired", "alert_memory_resolved", "alert_disk_fired", "alert_disk_resolved",
	"alert_traffic_fired", "alert_traffic_resolved", "alert_stopped_fired", "alert_stopped_resolved",
	"webhook_disabled"}

func NewMailer(db *store.DB, cfg MailConfig, render mail.Renderer, log *slog.Logger) *Mailer {
	if cfg.Interval == 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 30 * time.Second
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Provider == "" {
		cfg.Provider = "Abrak"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Mailer{db: db, cfg: cfg, render: render, log: log, wake: make(chan struct{}, 1)}
}

// Enabled reports whether a mail server is configured.
func (m *Mailer) Enabled() bool { return m != nil && m.cfg.Server.Addr != "" }

// URL is an absolute link into the panel.
func (m *Mailer) URL(path string) string {
	if m == nil {
		return path
	}
	return m.Brands.BaseURLOr(context.Background(), m.cfg.BaseURL) + path
}

// Queue puts a letter into words and into the queue. Without a mail server it
// does nothing: no letter waits for a server that was never configured.
func (m *Mailer) Queue(ctx context.Context, userID int64, l mail.Letter) error {
	if !m.Enabled() {
		return nil
	}
	if !strings.Contains(l.To, "@") {
		// A team's account has no address (team:<id>): its letters go to
		// the members whose role they concern, each in their own words.
		return m.queueTeam(ctx, userID, l)
	}
	msg := m.render(l)
	if _, err := m.db.QueueMail(ctx, store.Mail{UserID: userID, Kind: l.Kind, To: l.To, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML}, m.cfg.Now()); err != nil {
		return err
	}
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return nil
}

// Run delivers queued letters until ctx ends.
func (m *Mailer) Run(ctx context.Context) {
	if !m.Enabled() {
		return
	}
	t := time.NewTicker(m.cfg.Interval)
	defer t.Stop()
	for {
		m.DeliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		case <-t.C:
		}
	}
}

// DeliverDue tries every letter whose time has come, one at a time (a small
// panel sends a few letters an hour; one connection is gentle on the server).
func (m *Mailer) DeliverDue(ctx context.Context) {
	due, err := m.db.DueMail(ctx, m.cfg.Now(), 50)
	if err != nil {
		m.log.Error("listing mail to send", "err", err)
		return
	}
	for _, ml := range due {
		if ctx.Err() != nil {
			return
		}
		m.deliver(ctx, ml)
	}
}

func (m *Mailer) deliver(ctx context.Context, ml store.Mail) {
	body := mail.Message{Subject: ml.Subject, Text: ml.Text, HTML: ml.HTML}.Bytes(mail.Envelope{
		FromAddr: m.cfg.From, FromName: m.cfg.Provider, To: ml.To, Date: ml.CreatedAt,
		MessageID: "mail-" + strconv.FormatInt(ml.ID, 10) + "." + strconv.FormatInt(ml.CreatedAt.Unix(), 10) + "@" + mail.DomainOf(m.cfg.From),
	})
	err := m.cfg.Server.Send(ctx, m.cfg.From, ml.To, body)
	var perm *mail.PermanentError
	switch {
	case err == nil:
		if err := m.db.MailSentAt(ctx, ml.ID, m.cfg.Now()); err != nil {
			m.log.Error("recording a sent letter", "mail", ml.ID, "err", err)
		}
		m.Sent.Add(1)
		m.log.Info("mail sent", "mail", ml.ID, "kind", ml.Kind, "attempt", ml.Attempts+1)
	case errors.As(err, &perm):
		_ = m.db.MailFailed(ctx, ml.ID, err.Error())
		m.Failed.Add(1)
		m.log.Warn("mail refused for good", "mail", ml.ID, "kind", ml.Kind, "err", err)
	default:
		wait := m.cfg.RetryBase << min(ml.Attempts, 20)
		if wait > m.cfg.RetryMax || wait <= 0 {
			wait = m.cfg.RetryMax
		}
		_ = m.db.MailRetryAt(ctx, ml.ID, err.Error(), m.cfg.Now().Add(wait))
		m.log.Warn("mail not sent; trying again later", "mail", ml.ID, "kind", ml.Kind, "attempt", ml.Attempts+1, "retry_in", wait, "err", err)
	}
}

// moneyLetters are about the wallet: they go to a team's owners, admins and
// billing. The others are about servers (and servers stopped for money):
// owners, admins and members, who operate them.
var moneyLetters = map[string]bool{"topup": true, "low_balance": true, "low_balance_hour": true}

func (m *Mailer) queueTeam(ctx context.Context, team int64, l mail.Letter) error {
	if l.Kind == "reset" || l.Kind == "verify" {
		// A team's account has no password and no address: no member is
		// ever sent a way into it.
		return nil
	}
	roles := []string{store.RoleOwner, store.RoleAdmin, store.RoleMember}
	if moneyLetters[l.Kind] {
		roles = []string{store.RoleOwner, store.RoleAdmin, store.RoleBilling}
	}
	people, err := m.db.Recipients(ctx, team, roles...)
	if err != nil {
		return err
	}
	for _, p := range people {
		one := l
		one.To, one.Name = p.Email, p.Name
		if p.Locale != "" {
			one.Locale = p.Locale
		}
		if err := m.Queue(ctx, team, one); err != nil {
			return err
		}
	}
	return nil
}
