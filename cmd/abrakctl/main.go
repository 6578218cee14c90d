// Command abrakctl is Abrak's command-line client for customers; see package ctl.
package main

import (
	"os"
	_ "time/tzdata" // Persian tables read times in Tehran on any system

	"abrak/ctl"
)

func main() { os.Exit(ctl.Main(os.Args[1:], ctl.OSEnv())) }
