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

# A Debian 12 cloud image built from Debian's mirror (scripts/image), for the
# real-image tests and for operators to import.
IMAGE_DIR ?= $(ROOT)/.cache/images
.PHONY: image-debian test-images
image-debian:
	@$(ROOT)/scripts/image/debian.sh $(IMAGE_DIR)

# The slow tests on real cloud images (real cloud-init under software emulation):
# not part of `make test`, run before an image change is resolved.
test-images: deps build template image-debian
	ABRAK_DEBIAN_IMAGE=$(IMAGE_DIR)/debian-12.qcow2 $(GO) test -tags images -count=1 -timeout 40m -run 'TestDebianImage' -v ./web
