package web_test

import (
	"regexp"
	"strings"
	"testing"

	"abrak/testkit"
	"abrak/views/i18n"
)

var invitationPath = regexp.MustCompile(`https?://[^/\s]+(/invitations/[A-Za-z0-9_-]+)`)

// A team from the browser, in Persian and English, at phone and desktop
// width: the owner makes a team and invites someone by e-mail (a real SMTP
// server); the invitee, without an account, opens the letter's link, makes an
// account through it with the address filled in, comes back to the
// invitation, joins, and works in the team (its name in the header's
// switcher); their role's page offers no invitation form; the link used
// again says so.
func TestATeamIsMadeAndJoinedInTheBrowser(t *testing.T) {
	ms := testkit.NewMailServer(t)
	a := testkit.NewApp(t, testkit.WithMail(ms), testkit.WithRealBaseURL)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			owner := "owner-" + string(lang) + "@example.com"
			invitee := "invitee-" + string(lang) + "@example.com"
			team := map[i18n.Locale]string{i18n.FA: "تیم آکمه", i18n.EN: "Acme"}[lang]
			a.CreateUser(t, owner, testkit.Password)

			p := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			p.SignIn(string(lang), owner)
			p.Open("/team")
			p.WantLangDir(string(lang), lang.Dir())
			p.WantText(`[data-testid=team-personal]`, T("team.personal_intro"))
			p.Fill(map[string]string{"#f-name": team})
			p.Click(`[data-testid=create-team-form] button[type=submit]`, `[data-testid=team-name]`)
			p.WantText(`#flash`, T("team.created"))
			p.WantText(`[data-testid=team-name]`, team)
			p.WantText(`[data-testid=team-your-role]`, T("team.your_role", "role", T("team.role.owner")))
			p.WantText(`[data-testid=team-current-chip]`, team)

			p.Fill(map[string]string{"#f-email": invitee})
			p.MustElement(`#f-role`).MustSelect(T("team.role.billing"))
			p.Click(`[data-testid=invite-form] button[type=submit]`, `[data-testid=team-pending]`)
			p.WantText(`#flash`, T("team.invited"))
			if got := p.MustElement(`[data-testid=team-pending]`).MustText(); !strings.Contains(got, invitee) || !strings.Contains(got, T("team.role.billing")) {
				t.Errorf("the pending invitation reads %q, want %s as %s", got, invitee, T("team.role.billing"))
			}
			p.SaveAtBothWidths("team-" + string(lang) + "-")

			letter := ms.Await(t, invitee, team)
			m := invitationPath.FindStringSubmatch(letter.Text)
			if m == nil {
				t.Fatalf("the letter has no invitation link:\n%s", letter.Text)
			}
			link := m[1]

			q := testkit.NewTab(t, testkit.NewBrowser(t), a.URL)
			q.Open(link + "?lang=" + string(lang))
			q.AtPhoneSize()
			q.WantLangDir(string(lang), lang.Dir())
			q.WantText(`[data-testid=invitation-text]`, T("team.invitation_text", "inviter", testkit.Isolated("Test owner-"+string(lang)), "team", testkit.Isolated(team), "role", T("team.role.billing")))
			q.SaveFullScreenshot("team-invitation-" + string(lang) + "-phone")
			q.Click(`[data-testid=invitation-signup]`, `form[action="/signup"]`)
			if got := q.MustElement(`#f-email`).MustProperty("value").String(); got != invitee {
				t.Errorf("the sign-up form's address is %q, want the invited %s", got, invitee)
			}
			q.Fill(map[string]string{"#f-name": "Bita", "#f-password": testkit.Password, "#f-confirm": testkit.Password})
			q.Click(`form[action="/signup"] button[type=submit]`, `[data-testid=invitation-accept]`)
			q.Click(`[data-testid=invitation-accept]`, `[data-testid=team-current-chip]`)
			q.WantText(`#flash`, T("team.joined"))
			q.WantText(`[data-testid=team-current-chip]`, team)
			// Billing does not operate servers: it is told so, and offered no order.
			q.WantText(`[data-testid=team-read-only]`, T("team.read_only", "role", T("team.role.billing"), "team", testkit.Isolated(team)))
			if n := len(q.MustElements(`[data-testid=new-vm]`)); n != 0 {
				t.Error("billing is offered to order a server")
			}
			q.Open("/team")
			q.WantText(`[data-testid=team-your-role]`, T("team.your_role", "role", T("team.role.billing")))
			if n := len(q.MustElements(`[data-testid=invite-form]`)); n != 0 {
				t.Error("billing is offered the invitation form")
			}
			q.AtDesktopSize()
			q.SaveFullScreenshot("team-member-" + string(lang) + "-desktop")

			q.Open(link)
			q.WantText(`[data-testid=invitation-gone]`, T("team.error_invitation_gone"))
			p.Clean()
			q.Clean()
		})
	}
}
