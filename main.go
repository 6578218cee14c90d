// Command abrak is the customer control panel of a VPS provider: the web
// panel, its JSON API, and the operator's commands, in one binary.
//
//	abrak [serve]                 run the panel (default)
//	abrak migrate                 apply database migrations and exit
//	abrak admin create-user …     create a customer or operator account
//	abrak backup --to FILE        copy the live database consistently
package main

import "abrak/cli"

func main() { cli.Main() }
