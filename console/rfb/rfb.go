// Package rfb speaks the RFB (VNC) handshake for the console proxy: a protocol,
// not a business rule. services opens consoles with it; handlers serve the
// browser's half with it.
package rfb

import (
	"crypto/des"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// The RFB (VNC) handshake, both halves of it, as the console proxy needs them:
// towards the VM's VNC server the proxy is the client and answers the password
// challenge; towards the browser it is the server and offers no authentication,
// so the password never leaves the panel. Versions 3.3, 3.7 and 3.8 are spoken
// (RFC 6143); after the security phase the protocol is the same for all three.

const (
	rfbSecInvalid = 0
	rfbSecNone    = 1
	rfbSecVNC     = 2
)

// ErrHandshake is a VNC peer that broke the protocol or refused the handshake.
var ErrHandshake = errors.New("rfb handshake failed")

func rfbErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrHandshake, fmt.Sprintf(format, args...))
}

// readVersion reads a ProtocolVersion message and returns its minor number,
// clamped to the three versions RFC 6143 defines.
func readVersion(r io.Reader) (int, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(b[:]), "RFB %03d.%03d\n", &major, &minor); err != nil || major != 3 || minor < 3 {
		return 0, rfbErr("bad version %q", b[:])
	}
	switch {
	case minor >= 8:
		return 8, nil
	case minor == 7:
		return 7, nil
	}
	return 3, nil
}

func versionString(minor int) string { return fmt.Sprintf("RFB 003.%03d\n", minor) }

// readReason reads the length-prefixed text a server sends with a refusal.
func readReason(r io.Reader) string {
	var n uint32
	if binary.Read(r, binary.BigEndian, &n) != nil || n > 4096 {
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return ""
	}
	return string(b)
}

// ClientHandshake authenticates to a VNC server on rw with password (VNC
// authentication, or none when the server offers none). It returns once the
// server accepted: the next message on rw is the ClientInit the browser sends.
func ClientHandshake(rw io.ReadWriter, password string) error {
	minor, err := readVersion(rw)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(rw, versionString(minor)); err != nil {
		return err
	}
	var sec byte
	if minor == 3 {
		var t uint32
		if err := binary.Read(rw, binary.BigEndian, &t); err != nil {
			return err
		}
		if t == rfbSecInvalid {
			return rfbErr("server refused: %s", readReason(rw))
		}
		sec = byte(t)
	} else {
		var n [1]byte
		if _, err := io.ReadFull(rw, n[:]); err != nil {
			return err
		}
		if n[0] == 0 {
			return rfbErr("server refused: %s", readReason(rw))
		}
		types := make([]byte, n[0])
		if _, err := io.ReadFull(rw, types); err != nil {
			return err
		}
		for _, t := range types {
			if t == rfbSecVNC || t == rfbSecNone && sec != rfbSecVNC {
				sec = t
			}
		}
		if sec == 0 {
			return rfbErr("server offers no usable security type in %v", types)
		}
		if _, err := rw.Write([]byte{sec}); err != nil {
			return err
		}
	}
	switch sec {
	case rfbSecNone:
		if minor < 8 {
			return nil
		}
	case rfbSecVNC:
		var challenge [16]byte
		if _, err := io.ReadFull(rw, challenge[:]); err != nil {
			return err
		}
		if _, err := rw.Write(Response(password, challenge)); err != nil {
			return err
		}
	default:
		return rfbErr("unsupported security type %d", sec)
	}
	var result uint32
	if err := binary.Read(rw, binary.BigEndian, &result); err != nil {
		return err
	}
	if result != 0 {
		reason := ""
		if minor == 8 {
			reason = readReason(rw)
		}
		return rfbErr("authentication refused: %s", reason)
	}
	return nil
}

// Response is the answer to a VNC authentication challenge: the challenge
// encrypted with DES, keyed by the password cut or zero-padded to 8 bytes with
// every byte's bits reversed (a quirk of the original VNC's DES code that every
// server kept).
func Response(password string, challenge [16]byte) []byte {
	var key [8]byte
	copy(key[:], password)
	for i, b := range key {
		key[i] = bits.Reverse8(b)
	}
	block, _ := des.NewCipher(key[:]) // an 8-byte key never fails
	out := make([]byte, 16)
	block.Encrypt(out[:8], challenge[:8])
	block.Encrypt(out[8:], challenge[8:])
	return out
}

// ServeNoAuth plays the VNC server's part of the handshake towards a viewer
// on rw, offering the security type None only. Afterwards the viewer sends its
// ClientInit, which belongs to the real server.
func ServeNoAuth(rw io.ReadWriter) error {
	if _, err := io.WriteString(rw, versionString(8)); err != nil {
		return err
	}
	minor, err := readVersion(rw)
	if err != nil {
		return err
	}
	if minor == 3 {
		return binary.Write(rw, binary.BigEndian, uint32(rfbSecNone))
	}
	if _, err := rw.Write([]byte{1, rfbSecNone}); err != nil {
		return err
	}
	var choice [1]byte
	if _, err := io.ReadFull(rw, choice[:]); err != nil {
		return err
	}
	if choice[0] != rfbSecNone {
		return rfbErr("viewer chose security type %d", choice[0])
	}
	if minor == 8 {
		return binary.Write(rw, binary.BigEndian, uint32(0))
	}
	return nil
}

// InputWatch follows the messages a viewer sends after the handshake and tells
// which bytes carried the customer's input (keys, pointer, clipboard), as
// opposed to the update requests a viewer sends on its own. The idle limit
// counts only input. A message it does not know makes it give up and count
// everything as input: an unknown viewer is never cut off for idleness wrongly.
type InputWatch struct {
	started bool // the one-byte ClientInit has passed
	hdr     [12]byte
	n       int // header bytes collected
	skip    int // body bytes of the current message still to pass
	lost    bool
}

// Feed reads the next bytes of the viewer's stream and reports whether they
// held input.
func (w *InputWatch) Feed(p []byte) (input bool) {
	for len(p) > 0 {
		switch {
		case w.lost:
			return true
		case !w.started:
			w.started = true
			p = p[1:]
			continue
		case w.skip > 0:
			k := min(w.skip, len(p))
			w.skip -= k
			p = p[k:]
			continue
		}
		w.hdr[w.n] = p[0]
		w.n++
		p = p[1:]
		hlen, total, isInput, ok := clientMessage(w.hdr[:w.n])
		if !ok {
			w.lost = true
			return true
		}
		if w.n < hlen {
			continue
		}
		w.skip = total - w.n
		w.n = 0
		input = input || isInput
	}
	return input
}

// clientMessage sizes a client-to-server message from its first bytes h:
// hlen is how many bytes fix its length, total its length once h holds them.
func clientMessage(h []byte) (hlen, total int, input, ok bool) {
	switch h[0] {
	case 0: // SetPixelFormat
		return 1, 20, false, true
	case 2: // SetEncodings
		if len(h) < 4 {
			return 4, 0, false, true
		}
		return 4, 4 + 4*int(binary.BigEndian.Uint16(h[2:4])), false, true
	case 3: // FramebufferUpdateRequest
		return 1, 10, false, true
	case 4: // KeyEvent
		return 1, 8, true, true
	case 5: // PointerEvent
		return 1, 6, true, true
	case 6: // ClientCutText; a negative length is the extended clipboard's
		if len(h) < 8 {
			return 8, 0, true, true
		}
		n := int32(binary.BigEndian.Uint32(h[4:8]))
		if n < 0 {
			n = -n
		}
		return 8, 8 + int(n), true, true
	case 150: // EnableContinuousUpdates
		return 1, 10, false, true
	case 248: // ClientFence
		if len(h) < 9 {
			return 9, 0, false, true
		}
		return 9, 9 + int(h[8]), false, true
	case 250: // xvp
		return 1, 4, true, true
	case 251: // SetDesktopSize
		if len(h) < 8 {
			return 8, 0, false, true
		}
		return 8, 8 + 16*int(h[6]), false, true
	case 255: // QEMU: extended key event
		if len(h) < 2 {
			return 2, 0, false, true
		}
		if h[1] == 0 {
			return 2, 12, true, true
		}
	}
	return 0, 0, false, false
}
