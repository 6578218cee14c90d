// Package localvirt runs private libvirt daemons and builds the tiny OS template for
// tests and development, through the project's scripts (scripts/libvirt,
// scripts/template). Production code never imports it.
package localvirt
