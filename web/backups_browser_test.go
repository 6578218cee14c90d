package web_test

import (
	"abrak/testkit"
	"context"
	"strings"
	"testing"
	"time"

	"abrak/store"
	"abrak/views/i18n"
	"abrak/vmstatus"
)

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

			p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
			p.SignIn(string(lang), w.ana.email)
			for _, size := range []string{"desktop", "phone"} {
				p.Open("/vms/" + uuid + "?tab=backups")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				wantTab(t, p, "backups")
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`.vm-tab[data-tab=backups]`, T("vm.tab_backups"))

				// The switch: the price before turning them on.
				p.WantText(`[data-testid=backups-state]`, T("backup.state_off"))
				p.WantText(`[data-testid=backup-price]`, T("backup.price_off", "price", price,
					"monthly", i18n.Money(lang, starterBackupRials*730), "keep", i18n.Number(lang, 7)))
				p.WantText(`[data-testid=backup-switch-form] button`, T("backup.turn_on", "price", price))

				// The list, newest first, in the customer's calendar.
				p.WantTexts(`[data-testid=backup-time]`, i18n.DateTime(lang, taken), i18n.DateTime(lang, taken.Add(-26*time.Hour)))
				p.WantTexts(`[data-testid=backup-size]`, i18n.Bytes(lang, 3<<20+512<<10), i18n.Bytes(lang, 1536))
				p.WantTexts(`[data-testid=backup-kind]`, T("backup.kind.scheduled"), T("backup.kind.manual"))
				p.WantTexts(`[data-testid=backup-consistency]`, T("backup.consistency.fs_frozen"), T("backup.consistency.fs_frozen"))
				p.WantText(`[data-testid=backups-left]`, T("backup.left_today", "n", i18n.Number(lang, 3), "max", i18n.Number(lang, 3)))
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
				p.WantText(row+`[data-testid=restore-warning]`, T("backup.restore_warning", "name", testkit.Isolated(name), "time", testkit.Isolated(i18n.DateTime(lang, taken))))
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
					p.AtPhoneSize() // the open confirmation and form do not scroll sideways
				}
				p.SaveFullScreenshot("vm-tab-backups-" + string(lang) + "-" + size)
			}
			p.AtDesktopSize()

			// Sent, the restore is refused (this panel has no node): the reason
			// is shown above the page, on the Backups tab.
			row := `[data-backup="` + itoa(newest) + `"] `
			p.Click(row+`[data-testid=restore-self-form] button[type=submit]`, `[data-testid=vm-message]`)
			wantTab(t, p, "backups")

			// Turned on at the price shown.
			p.MustElement(`[data-testid=backup-switch-form] button`).MustClick()
			p.WaitDOM(10*time.Second, "backups read on", `(on) => document.querySelector('[data-testid=backups-state]')?.innerText.trim() === on`, T("backup.state_on"))
			p.MustWaitLoad()
			wantTab(t, p, "backups")
			p.WantText(`#flash`, T("backup.turned_on"))
			p.WantText(`[data-testid=backups-state]`, T("backup.state_on"))
			p.WantText(`[data-testid=backup-price]`, T("backup.price_on", "price", price, "monthly", i18n.Money(lang, starterBackupRials*730)))
			if vm := vmRow(t, w.a, uuid); !vm.BackupsEnabled || vm.BackupPriceHourly != starterBackupRials {
				t.Errorf("after turning them on: backups %v at %d rials, want %d", vm.BackupsEnabled, vm.BackupPriceHourly, starterBackupRials)
			}

			// Delete the older backup, confirming the question that names it.
			p.ConfirmClick(`[data-backup="`+itoa(older)+`"] [data-testid=backup-delete-form] button`,
				T("backup.delete_confirm", "time", testkit.Isolated(i18n.DateTime(lang, taken.Add(-26*time.Hour)))))
			// The answer is a new page: wait for it before looking at where it
			// is scrolled, or the old page, scrolled to the button, is read.
			p.WaitDOM(10*time.Second, "the deleted backup leaves the list", `(id) => !document.querySelector('[data-backup="' + id + '"]')`, itoa(older))
			wantTab(t, p, "backups")
			p.WantTexts(`[data-testid=backup-time]`, i18n.DateTime(lang, taken))
			p.Clean()
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
			p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
			p.SignIn(string(lang), w.ana.email)
			for _, size := range []string{"phone", "desktop"} {
				p.Open("/vms/new")
				if size == "phone" {
					p.AtPhoneSize()
				} else {
					p.AtDesktopSize()
				}
				p.WantLangDir(string(lang), lang.Dir())
				p.WantText(`[data-testid=order-backups] [data-backup-price]`, T("backup.price_extra", "price", money(starterBackupRials)))
				p.WantText(`[data-summary-backups]`, T("backup.state_off"))
				p.WantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(starterPriceRials)))

				p.MustElement(`#f-backups_enabled`).MustClick()
				p.WantText(`[data-summary-backups]`, T("backup.price_extra", "price", money(starterBackupRials)))
				p.WantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(starterPriceRials+starterBackupRials)))
				p.WantText(`[data-order-summary] [data-summary-monthly]`, money((starterPriceRials+starterBackupRials)*730))

				p.MustElement(`[data-plan="pro"]`).MustClick()
				p.WantText(`[data-testid=order-backups] [data-backup-price]`, T("backup.price_extra", "price", money(proBackups)))
				p.WantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(pro+proBackups)))
				p.WantText(`[data-order-summary] [data-summary-monthly]`, money((pro+proBackups)*730))
				if size == "phone" {
					p.AtPhoneSize()
				}
				p.SaveFullScreenshot("order-backups-" + string(lang) + "-" + size)

				p.MustElement(`#f-backups_enabled`).MustClick()
				p.WantText(`[data-summary-backups]`, T("backup.state_off"))
				p.WantText(`[data-order-summary] [data-summary-hourly]`, T("vm.price_hourly", "price", money(pro)))
			}

			// Ordered with backups: the VM has them at the price shown.
			p.MustElement(`#f-backups_enabled`).MustClick()
			p.MustElement(`[data-generate-password="f-custom_password"]`).MustClick()
			p.Fill(map[string]string{"#f-hostname": "backed-" + string(lang)})
			p.Click(`[data-testid=create-submit]`, `[data-testid=vm-live]`)
			uuid, ok := strings.CutPrefix(p.Path(), "/vms/")
			if !ok {
				t.Fatalf("after ordering the browser is at %s", p.Path())
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

			p := testkit.NewTab(t, testkit.NewBrowser(t), w.a.URL)
			p.SignIn(string(lang), w.ana.email)
			p.Open("/vms/" + uuid + "?tab=backups")
			row := `[data-backup="` + itoa(bk.ID) + `"] `
			p.WantText(row+`[data-testid=backup-progress] span`, pct(30))
			p.WantText(`[data-testid=action-progress] span:last-child`, pct(30))
			if p.MustHas(row + `[data-testid=restore-self]`) {
				t.Error("a backup still being taken offers a restore")
			}

			if err := w.a.DB.SetActionProgress(ctx, a.ID, 70); err != nil {
				t.Fatal(err)
			}
			p.WaitDOM(30*time.Second, "the row and the header read 70%", `(sel, want) =>
				document.querySelector(sel + '[data-testid=backup-progress] span')?.innerText.trim() === want &&
				document.querySelector('[data-testid=action-progress] span:last-child')?.innerText.trim() === want`, row, pct(70))
			wantTab(t, p, "backups")

			if err := w.a.DB.CompleteBackup(ctx, bk.ID, "crash", 4096, 20<<30, "00"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.a.DB.EndAction(ctx, a.ID, ""); err != nil {
				t.Fatal(err)
			}
			p.WaitDOM(30*time.Second, "the row becomes a usable backup", `(sel) =>
				document.querySelector(sel + '[data-testid=backup-size]') && document.querySelector(sel + '[data-testid=restore-self]') &&
				!document.querySelector('[data-testid=action-progress]')`, row)
			p.WantText(row+`[data-testid=backup-size]`, i18n.Bytes(lang, 4096))
			p.WantText(row+`[data-testid=backup-consistency]`, T("backup.consistency.crash"))
			wantTab(t, p, "backups")
			p.Clean()
		})
	}
}
