package views

import (
	"bytes"
	"context"
	"strings"

	"abrak/mail"
	"abrak/views/i18n"
)

// Letters puts letters into the recipient's words: the catalog's
// mail.<kind>.subject, .body (paragraphs split by blank lines) and .action,
// with the provider's name in the greeting's sign-off and, under it, the
// support channels the operator gave (a letter that says "contact support"
// says how).
func Letters(provider string, support Support) mail.Renderer {
	return LettersFrom(func(i18n.Locale) (string, Support) { return provider, support })
}

// LettersFrom is Letters with the provider's name and support asked for at
// each letter, in its language: the brand may change while the panel runs.
func LettersFrom(from func(i18n.Locale) (string, Support)) mail.Renderer {
	return func(l mail.Letter) mail.Message {
		loc, _ := i18n.Parse(l.Locale)
		provider, support := from(loc)
		channels := support.Channels()
		args := append([]string{"provider", provider, "name", l.Name}, l.Args...)
		for k, v := range l.Amounts {
			args = append(args, k, i18n.Money(loc, v))
		}
		for k, v := range l.Counts {
			args = append(args, k, i18n.Number(loc, v))
		}
		t := func(key string) string { return i18n.T(loc, key, args...) }
		lt := letterText{
			Locale: loc, Provider: provider,
			Greeting: t("mail.greeting"), Paragraphs: strings.Split(t("mail."+l.Kind+".body"), "\n\n"),
			Link: l.Link, Signoff: t("mail.signoff"), Why: t("mail.why"), Channels: channels,
		}
		if len(channels) > 0 {
			lt.SupportTitle = t("support.title")
			for _, ch := range channels {
				lt.ChannelNames = append(lt.ChannelNames, t(ch.Key))
			}
		}
		if l.Name == "" {
			lt.Greeting = t("mail.greeting_anonymous")
		}
		if l.Link != "" {
			lt.Action = t("mail." + l.Kind + ".action")
		}
		for _, f := range l.Facts {
			lt.Facts = append(lt.Facts, mail.Fact{Label: t(f.Label), Value: f.Value})
		}
		var html bytes.Buffer
		_ = letterHTML(lt).Render(context.Background(), &html)
		return mail.Message{Subject: t("mail." + l.Kind + ".subject"), Text: lt.text(), HTML: html.String()}
	}
}

// letterText is a letter in words.
type letterText struct {
	Locale       i18n.Locale
	Provider     string
	Greeting     string
	Paragraphs   []string
	Facts        []mail.Fact
	Link, Action string
	Signoff, Why string
	// Channels are the support channels, ChannelNames their names in the letter's language.
	Channels     []Channel
	ChannelNames []string
	SupportTitle string
}

func (l letterText) dir() string {
	if l.Locale == i18n.FA {
		return "rtl"
	}
	return "ltr"
}

func (l letterText) text() string {
	var b strings.Builder
	b.WriteString(l.Greeting + "\n\n")
	for _, p := range l.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	for _, f := range l.Facts {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if len(l.Facts) > 0 {
		b.WriteString("\n")
	}
	if l.Link != "" {
		b.WriteString(l.Action + ":\n" + l.Link + "\n\n")
	}
	b.WriteString(l.Signoff + "\n\n")
	if len(l.Channels) > 0 {
		b.WriteString(l.SupportTitle + "\n")
		for i, ch := range l.Channels {
			b.WriteString(l.ChannelNames[i] + ": " + ch.Label + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("-- \n" + l.Why + "\n")
	return b.String()
}
