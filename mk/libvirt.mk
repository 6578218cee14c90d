# Private libvirtd and the tiny OS template (scripts/libvirt, scripts/template).
# Included by the top-level Makefile, which defines ROOT. Installs nothing: `make deps` does.

LIBVIRT_STATE ?= $(ROOT)/.run/libvirt
TEMPLATE_DIR ?= $(ROOT)/.cache/template
# The QEMU capability probe (~4 s on a fresh daemon) is shared by every daemon we start.
export LIBVIRT_CAPS_CACHE ?= $(ROOT)/.cache/libvirt-caps

.PHONY: libvirt-up libvirt-down template

# Prints the socket's absolute path as its last line.
libvirt-up:
	@$(ROOT)/scripts/libvirt/up.sh $(LIBVIRT_STATE)

libvirt-down:
	@$(ROOT)/scripts/libvirt/down.sh $(LIBVIRT_STATE)

template:
	@$(ROOT)/scripts/template/build.sh $(TEMPLATE_DIR)
