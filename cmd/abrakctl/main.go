// Command abrakctl is Abrak's command-line client for customers; see package ctl.
package main

import (
	"context"
	"os"
	"os/signal"
	_ "time/tzdata" // Persian tables read times in Tehran on any system

	"abrak/ctl"
)

func main() {
	// Ctrl-C ends a --wait (or a request) at once, with exit code 130.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	env := ctl.OSEnv()
	env.Context = ctx
	code := ctl.Main(os.Args[1:], env)
	stop()
	os.Exit(code)
}
