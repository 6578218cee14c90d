package hypervisor

import (
	"testing"

	"abrak/hypervisor/localvirt"
)

// daemon is a private libvirtd from localvirt, with the calls tests make on it.
type daemon struct {
	*localvirt.Daemon
	t   testing.TB
	dir string
}

func startDaemon(t testing.TB) *daemon {
	t.Helper()
	d := localvirt.Start(t)
	return &daemon{Daemon: d, t: t, dir: d.Dir}
}

func (d *daemon) up()   { mustDo(d.t, d.Up()) }
func (d *daemon) down() { mustDo(d.t, d.Stop()) }

func (d *daemon) uri(driver string) string {
	if driver == "test" {
		return "test+unix:///default?socket=" + d.Socket
	}
	return "qemu+unix:///system?socket=" + d.Socket
}

// tinyTemplate returns the project's tiny OS template disk and its format.
func tinyTemplate(t testing.TB) (string, string) {
	tf := localvirt.Template(t)
	return tf.File, tf.Format
}
