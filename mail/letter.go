// Package mail is e-mail as Abrak sends it: a Letter (what to say, in message
// keys, so the words come from the catalog in the recipient's language), the
// Message it renders to (subject, text and HTML), its MIME form, and delivery
// over SMTP. It imports nothing of the project, so services queue letters and
// views word them without either importing the other.
package mail

// Letter is a message to one customer before it is put into words.
type Letter struct {
	// Kind names the message family: its words are the catalog's
	// mail.<kind>.subject, mail.<kind>.body and mail.<kind>.action.
	Kind   string
	Locale string
	To     string
	Name   string   // the greeting's name
	Args   []string // key, value pairs for the words ({vm}, {hostname}…), shown as they are
	// Amounts (rials) and Counts are words' values shown in the letter's
	// locale: money in toman with its digits, counts with its digits.
	Amounts map[string]int64
	Counts  map[string]int64
	Link    string // the one thing to click, if any
	Facts   []Fact // label and value lines (addresses, the command to connect)
}

// Fact is one labelled line of a letter; Label is a message key, Value is shown as is.
type Fact struct{ Label, Value string }

// Message is a letter in words, ready to queue.
type Message struct {
	Subject, Text, HTML string
}

// Renderer puts a letter into words.
type Renderer func(Letter) Message
