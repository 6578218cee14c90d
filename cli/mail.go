package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"abrak/store"
)

// adminMailQueue shows the operator the mail queue: how many letters are in
// each state, the newest ones with their attempts and last error; --retry
// makes a letter the server refused for good pending again.
func adminMailQueue(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin mail-queue")
	limit := cmd.Int("limit", 30, "how many of the newest letters to list")
	retry := cmd.Int64("retry", 0, "make the failed letter with this id pending again")
	db, err := cmd.open(ctx, args, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if *retry != 0 {
		if err := db.RetryMail(ctx, *retry, time.Now()); err != nil {
			return fmt.Errorf("letter %d is not a failed one: %w", *retry, err)
		}
		fmt.Fprintf(out, "letter %d is pending again; the panel sends it at its next pass\n", *retry)
		return nil
	}
	counts, err := db.MailCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pending %d, sent %d, failed %d\n", counts[store.MailPending], counts[store.MailSent], counts[store.MailFailed])
	mails, err := db.RecentMail(ctx, *limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTO\tSTATUS\tATTEMPTS\tQUEUED\tNEXT/SENT\tLAST ERROR")
	for _, m := range mails {
		when := m.NextAttemptAt
		if m.Status == store.MailSent {
			when = m.SentAt
		}
		next := when.UTC().Format(time.DateTime)
		if m.Status == store.MailFailed {
			next = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.ID, m.Kind, m.To, m.Status, m.Attempts,
			m.CreatedAt.UTC().Format(time.DateTime), next, oneLine(m.LastError, 80))
	}
	return tw.Flush()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
