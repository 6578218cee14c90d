package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

// wantText checks the text a customer reads in the element selector.
func (tb *tab) wantText(selector, want string) {
	tb.t.Helper()
	if got := tb.MustElement(selector).MustText(); got != want {
		tb.t.Errorf("%s reads %q, want %q", selector, got, want)
	}
}

// wantTexts checks the texts of every element selector finds, in order.
func (tb *tab) wantTexts(selector string, want ...string) {
	tb.t.Helper()
	got := tb.MustEval(`(sel) => [...document.querySelectorAll(sel)].map(e => e.innerText.trim())`, selector).Arr()
	if len(got) != len(want) {
		tb.t.Errorf("%s: %d elements, want %d", selector, len(got), len(want))
		return
	}
	for i := range want {
		if got[i].Str() != want[i] {
			tb.t.Errorf("%s #%d reads %q, want %q", selector, i, got[i].Str(), want[i])
		}
	}
}

// The Backups tab, in Persian and English, on a phone and a desktop: the
// switch says what backups cost before they are turned on (toman and Persian
// digits in fa), the backups are listed in the customer's calendar with their
// size, kind and consistency, "back up now" says how many are left today, a
// restore onto the VM asks for the VM's name after naming the backup's time
// and what is lost, and a backup is deleted after a confirmation.
func TestTheBackupsTabInTheBrowser(t *testing.T) {
	w := newBackupWorld(t)
	w.addStore(t)
	settle(t, w.a, w.db, vmstatus.Running)
	// 22:41 UTC is 02:11 the next day in Tehran: the Jalali date is a day on.
	taken := time.Date(2026, 12, 2, 22, 41, 0, 0, time.UTC)
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			uuid := map[i18n.Locale]string{i18n.FA: w.web, i18n.EN: w.db}[lang]
			name := vmRow(t, w.a, uuid).DisplayName
			older := w.backup(t, uuid, store.BackupManual, taken.Add(-26*time.Hour), 1536, 20<<30)
			newest := w.backup(t, uuid, store.BackupScheduled, taken, 3<<20+512<<10, 20<<30)
			price := i18n.Money(lang, starterBackupRials)

			p := newTab(t, newBrowser(t), w.a.URL)
			p.open("/signin?lang=" + string(lang))
			p.fill(map[string]string{"#f-email": w.ana.email, "#f-password": testPassword})
			p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			for _, size := range []string{"desktop", "phone"} {
				p.open("/vms/" + uuid + "?tab=backups")
				if size == "phone" {
					p.atPhoneSize()
				} else {
					p.atDesktopSize()
				}
				p.wantTab("backups")
				p.wantLangDir(string(lang), lang.Dir())
				p.wantText(`.vm-tab[data-tab=backups]`, T("vm.tab_backups"))

				// The switch: the price before turning them on.
				p.wantText(`[data-testid=backups-state]`, T("backup.state_off"))
				p.wantText(`[data-testid=backup-price]`, T("backup.price_off", "price", price,
					"monthly", i18n.Money(lang, starterBackupRials*730), "keep", i18n.Number(lang, 7)))
				p.wantText(`[data-testid=backup-switch-form] button`, T("backup.turn_on", "price", price))

				// The list, newest first, in the customer's calendar.
				p.wantTexts(`[data-testid=backup-time]`, i18n.DateTime(lang, taken), i18n.DateTime(lang, taken.Add(-26*time.Hour)))
				p.wantTexts(`[data-testid=backup-size]`, i18n.Bytes(lang, 3<<20+512<<10), i18n.Bytes(lang, 1536))
				p.wantTexts(`[data-testid=backup-kind]`, T("backup.kind.scheduled"), T("backup.kind.manual"))
				p.wantTexts(`[data-testid=backup-consistency]`, T("backup.consistency.fs_frozen"), T("backup.consistency.fs_frozen"))
				p.wantText(`[data-testid=backups-left]`, T("backup.left_today", "n", i18n.Number(lang, 3), "max", i18n.Number(lang, 3)))
				if lang == i18n.FA {
					for _, sel := range []string{"[data-testid=backup-time]", "[data-testid=backup-size]", "[data-testid=backup-price]", "[data-testid=backups-left]"} {
						if s := p.MustElement(sel).MustText(); asciiDigitRe.MatchString(s) || !persianDigitRe.MatchString(s) {
							t.Errorf("%s reads %q: not in Persian digits", sel, s)
						}
					}
					if d := p.MustElement("[data-testid=backup-time]").MustText(); !jalaliYear.MatchString(d) || !strings.Contains(d, "آذر") {
						t.Errorf("the backup's time %q is not a Jalali date (12 Azar 1405)", d)
					}
				}

				// Restore onto the VM: the confirmation names the backup's time
				// and what is lost, and waits for the VM's name.
				row := `[data-backup="` + itoa(newest) + `"] `
				p.MustElement(row + `[data-testid=restore-self] summary`).MustClick()
				p.wantText(row+`[data-testid=restore-warning]`, T("backup.restore_warning", "name", isolated(name), "time", isolated(i18n.DateTime(lang, taken))))
				submit := p.MustElement(row + `[data-testid=restore-self-form] button[type=submit]`)
				if !submit.MustProperty("disabled").Bool() {
					t.Error("the restore can be sent before the VM's name is typed")
				}
				p.MustElement(row + `[data-testid=restore-self-form] input[name=confirm]`).MustInput(name)
				if submit.MustProperty("disabled").Bool() {
					t.Error("the restore stays disabled with the VM's name typed")
				}
				p.MustElement(row + `[data-testid=restore-new] summary`).MustClick()
				if size == "phone" {
					p.atPhoneSize() // the open confirmation and form do not scroll sideways
				}
				p.fullScreenshot("vm-tab-backups-" + string(lang) + "-" + size)
			}
			p.atDesktopSize()

			// Sent, the restore is refused (this panel has no node): the reason
			// is shown above the page, on the Backups tab.
			row := `[data-backup="` + itoa(newest) + `"] `
			p.click(row+`[data-testid=restore-self-form] button[type=submit]`, `[data-testid=vm-message]`)
			p.wantTab("backups")

			// Turned on at the price shown.
			p.MustElement(`[data-testid=backup-switch-form] button`).MustClick()
			p.waitDOM(10*time.Second, "backups read on", `(on) => document.querySelector('[data-testid=backups-state]')?.innerText.trim() === on`, T("backup.state_on"))
			p.MustWaitLoad()
			p.wantTab("backups")
			p.wantText(`#flash`, T("backup.turned_on"))
			p.wantText(`[data-testid=backups-state]`, T("backup.state_on"))
			p.wantText(`[data-testid=backup-price]`, T("backup.price_on", "price", price, "monthly", i18n.Money(lang, starterBackupRials*730)))
			if vm := vmRow(t, w.a, uuid); !vm.BackupsEnabled || vm.BackupPriceHourly != starterBackupRials {
				t.Errorf("after turning them on: backups %v at %d rials, want %d", vm.BackupsEnabled, vm.BackupPriceHourly, starterBackupRials)
			}

			// Delete the older backup, confirming the question that names it.
			p.confirmClick(`[data-backup="`+itoa(older)+`"] [data-testid=backup-delete-form] button`,
				T("backup.delete_confirm", "time", isolated(i18n.DateTime(lang, taken.Add(-26*time.Hour)))))
			p.wantTab("backups")
			p.waitDOM(10*time.Second, "the deleted backup leaves the list", `(id) => !document.querySelector('[data-backup="' + id + '"]')`, itoa(older))
			p.wantTexts(`[data-testid=backup-time]`, i18n.DateTime(lang, taken))
			p.clean()
		})
	}
}

// The order form offers backups with their price for the plan chosen; ticking
// them adds it to the summary's hourly and monthly price, and the VM ordered
// has them on at that price.
func TestTheOrderFormOffersBackupsAtTheirPrice(t *testing.T) {
	w := newBackupWorld(t)
	const pro, proBackups = 400_000, 400_000 * backupPricePercent / 100
	if _, err := w.a.DB.Credit(context.Background(), w.ana.id, 2*(pro+proBackups), "topup", "test"); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			money := func(r int64) string { return i18n.Money(lang, r) }
			p := newTab(t, newBrowser(t), w.a.URL)
			p.open("/signin?lang=" + string(lang))
			p.fill(map[string]string{"#f-email": w.ana.email, "#f-password": testPassword})
			p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			for _, size := range []string{"phone", "desktop"} {
				p.open("/vms/new")
				if size == "phone" {
					p.atPhoneSize()
				} else {
					p.atDesktopSize()
				}
				p.wantLangDir(string(lang), lang.Dir())
				p.wantText(`[data-testid=order-backups] [data-backup-price]`, T("backup.price_extra", "price", money(starterBackupRials)))
				p.wantText(`[data-summary-backups]`, T("backup.state_off"))
				p.wantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(starterPriceRials)))

				p.MustElement(`#f-backups_enabled`).MustClick()
				p.wantText(`[data-summary-backups]`, T("backup.price_extra", "price", money(starterBackupRials)))
				p.wantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(starterPriceRials+starterBackupRials)))
				p.wantText(`[data-order-summary] [data-summary-monthly]`, money((starterPriceRials+starterBackupRials)*730))

				p.MustElement(`[data-plan="pro"]`).MustClick()
				p.wantText(`[data-testid=order-backups] [data-backup-price]`, T("backup.price_extra", "price", money(proBackups)))
				p.wantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(pro+proBackups)))
				p.wantText(`[data-order-summary] [data-summary-monthly]`, money((pro+proBackups)*730))
				if size == "phone" {
					p.atPhoneSize()
				}
				p.fullScreenshot("order-backups-" + string(lang) + "-" + size)

				p.MustElement(`#f-backups_enabled`).MustClick()
				p.wantText(`[data-summary-backups]`, T("backup.state_off"))
				p.wantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(pro)))
			}

			// Ordered with backups: the VM has them at the price shown.
			p.MustElement(`#f-backups_enabled`).MustClick()
			p.MustElement(`[data-generate-password="f-custom_password"]`).MustClick()
			p.fill(map[string]string{"#f-hostname": "backed-" + string(lang)})
			p.click(`[data-testid=create-submit]`, `[data-testid=vm-live]`)
			uuid, ok := strings.CutPrefix(p.path(), "/vms/")
			if !ok {
				t.Fatalf("after ordering the browser is at %s", p.path())
			}
			if vm := vmRow(t, w.a, uuid); vm.PlanSlug != "pro" || !vm.BackupsEnabled || vm.BackupPriceHourly != proBackups {
				t.Errorf("ordered %s with backups %v at %d rials, want pro with backups at %d", vm.PlanSlug, vm.BackupsEnabled, vm.BackupPriceHourly, proBackups)
			}
		})
	}
}

// A backup being taken shows its progress on its row and above every tab, and
// both move as the page polls; once it completes, the row becomes a usable
// backup (its size, its restore) and the progress leaves the status header.
func TestABackupsProgressMovesOnThePage(t *testing.T) {
	w := newBackupWorld(t)
	w.addStore(t)
	settle(t, w.a, w.db, vmstatus.Running)
	ctx := context.Background()
	for _, lang := range []i18n.Locale{i18n.FA, i18n.EN} {
		t.Run(string(lang), func(t *testing.T) {
			T := func(key string, args ...string) string { return i18n.T(lang, key, args...) }
			pct := func(n int64) string { return T("backup.in_progress_percent", "n", i18n.Number(lang, n)) }
			uuid := map[i18n.Locale]string{i18n.FA: w.web, i18n.EN: w.db}[lang]
			vm := vmRow(t, w.a, uuid)
			a, err := w.a.DB.StartAction(ctx, vm.UserID, vm.ID, "backup")
			if err != nil {
				t.Fatal(err)
			}
			bk, err := w.a.DB.StartBackup(ctx, store.Backup{VMID: vm.ID, StoreID: w.store.ID, Kind: store.BackupManual, ActionID: a.ID})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.a.DB.SetActionProgress(ctx, a.ID, 30); err != nil {
				t.Fatal(err)
			}

			p := newTab(t, newBrowser(t), w.a.URL)
			p.open("/signin?lang=" + string(lang))
			p.fill(map[string]string{"#f-email": w.ana.email, "#f-password": testPassword})
			p.click(`form[action="/signin"] button[type=submit]`, `[data-testid=balance]`)
			p.open("/vms/" + uuid + "?tab=backups")
			row := `[data-backup="` + itoa(bk.ID) + `"] `
			p.wantText(row+`[data-testid=backup-progress] span`, pct(30))
			p.wantText(`[data-testid=action-progress] span:last-child`, pct(30))
			if p.MustHas(row + `[data-testid=restore-self]`) {
				t.Error("a backup still being taken offers a restore")
			}

			if err := w.a.DB.SetActionProgress(ctx, a.ID, 70); err != nil {
				t.Fatal(err)
			}
			p.waitDOM(30*time.Second, "the row and the header read 70%", `(sel, want) =>
				document.querySelector(sel + '[data-testid=backup-progress] span')?.innerText.trim() === want &&
				document.querySelector('[data-testid=action-progress] span:last-child')?.innerText.trim() === want`, row, pct(70))
			p.wantTab("backups")

			if err := w.a.DB.CompleteBackup(ctx, bk.ID, "crash", 4096, 20<<30, "00"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.a.DB.EndAction(ctx, a.ID, ""); err != nil {
				t.Fatal(err)
			}
			p.waitDOM(30*time.Second, "the row becomes a usable backup", `(sel) =>
				document.querySelector(sel + '[data-testid=backup-size]') && document.querySelector(sel + '[data-testid=restore-self]') &&
				!document.querySelector('[data-testid=action-progress]')`, row)
			p.wantText(row+`[data-testid=backup-size]`, i18n.Bytes(lang, 4096))
			p.wantText(row+`[data-testid=backup-consistency]`, T("backup.consistency.crash"))
			p.wantTab("backups")
			p.clean()
		})
	}
}
