package services

import (
	"context"
	"crypto/rsa"
	"errors"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"abrak/store"
)

const (
	sshKeyNameMax   = 64
	sshKeyInputMax  = 16 << 10 // an RSA-16384 line is ~2.8 KiB; this is generous
	sshKeysPerUser  = 100
	minRSABits      = 2048
	fieldSSHKeyIDs  = "ssh_key_ids"
	fieldPublicKey  = "public_key"
	fieldSSHKeyName = "name"
)

// SSHKeys keeps customers' public keys for installing into new VMs.
type SSHKeys struct {
	db    *store.DB
	audit *Audit
}

func NewSSHKeys(db *store.DB, audit *Audit) *SSHKeys { return &SSHKeys{db: db, audit: audit} }

// acceptedKey reports whether a key type is one OpenSSH accepts today
// without options: Ed25519, ECDSA on the NIST curves, and RSA of 2048 bits or more.
func acceptedKey(pk ssh.PublicKey) bool {
	switch pk.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return true
	case ssh.KeyAlgoRSA:
		ck, ok := pk.(ssh.CryptoPublicKey)
		if !ok {
			return false
		}
		rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey)
		return ok && rk.N.BitLen() >= minRSABits
	}
	return false
}

// ParseSSHKey checks one authorized_keys line and returns it normalised
// (type, base64, comment) with its SHA256 fingerprint, or the message key
// that says what is wrong with it.
func ParseSSHKey(line string) (normalised, fingerprint, problem string) {
	line = strings.TrimSpace(line)
	switch {
	case line == "":
		return "", "", "form.required"
	case len(line) > sshKeyInputMax:
		return "", "", "sshkeys.error_invalid"
	}
	pk, comment, options, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	switch {
	case err != nil:
		return "", "", "sshkeys.error_invalid"
	case len(options) > 0:
		return "", "", "sshkeys.error_options"
	case strings.TrimSpace(string(rest)) != "":
		return "", "", "sshkeys.error_one_key"
	case !acceptedKey(pk):
		return "", "", "sshkeys.error_key_type"
	}
	normalised = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	if comment = strings.TrimSpace(comment); comment != "" {
		// Shown on pages and written into the guest's authorized_keys: no
		// hidden or reordering characters there either.
		if nameProblem(comment, sshKeyInputMax, "") != "" {
			return "", "", "sshkeys.error_comment"
		}
		normalised += " " + comment
	}
	return normalised, ssh.FingerprintSHA256(pk), ""
}

// List returns the principal's keys, newest first.
func (s *SSHKeys) List(ctx context.Context, p Principal) ([]SSHKey, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return nil, err
	}
	keys, err := s.db.SSHKeys(ctx, p.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	return convert(keys, sshKeyOf), nil
}

// Add stores a public key; a key the customer already has is refused.
func (s *SSHKeys) Add(ctx context.Context, p Principal, name, publicKey string) (SSHKey, error) {
	if err := p.Require(ScopeVMWrite); err != nil {
		return SSHKey{}, err
	}
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if k := nameProblem(name, sshKeyNameMax, "sshkeys.error_name_too_long"); k != "" {
		fields[fieldSSHKeyName] = k
	}
	line, fp, problem := ParseSSHKey(publicKey)
	if problem != "" {
		fields[fieldPublicKey] = problem
	}
	if len(fields) > 0 {
		return SSHKey{}, Invalid(fields)
	}
	n, err := s.db.CountSSHKeys(ctx, p.UserID)
	if err != nil {
		return SSHKey{}, Internal(err)
	}
	if n >= sshKeysPerUser {
		return SSHKey{}, InvalidWith("sshkeys.error_too_many", nil, "max", strconv.Itoa(sshKeysPerUser))
	}
	k, err := s.db.AddSSHKey(ctx, store.SSHKey{UserID: p.UserID, Name: name, PublicKey: line, Fingerprint: fp})
	if errors.Is(err, store.ErrConflict) {
		return SSHKey{}, Invalid(map[string]string{fieldPublicKey: "sshkeys.error_duplicate"})
	}
	if err != nil {
		return SSHKey{}, Internal(err)
	}
	// A key grants root on every VM created with it, so its arrival is a security event.
	s.audit.Record(ctx, p, "ssh_key.added", SeveritySecurity, "ssh_key", strconv.FormatInt(k.ID, 10), name+" "+fp)
	return sshKeyOf(k), nil
}

// Delete removes one of the principal's keys; another customer's key is 404.
// VMs already created with it keep it: this only stops new VMs getting it.
func (s *SSHKeys) Delete(ctx context.Context, p Principal, id int64) error {
	if err := p.Require(ScopeVMWrite); err != nil {
		return err
	}
	k, err := s.db.DeleteSSHKey(ctx, p.UserID, id)
	if errors.Is(err, store.ErrNotFound) {
		return NotFound()
	}
	if err != nil {
		return Internal(err)
	}
	s.audit.Record(ctx, p, "ssh_key.deleted", SeveritySecurity, "ssh_key", strconv.FormatInt(id, 10), k.Name+" "+k.Fingerprint)
	return nil
}

// Keys loads the principal's keys by id for a new VM, in the order asked.
// An id that is unknown or another customer's is a validation error on
// ssh_key_ids (422), since it arrives as input to the VM form or API.
func (s *SSHKeys) keys(ctx context.Context, p Principal, ids []int64) ([]store.SSHKey, error) {
	var uniq []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	if len(uniq) == 0 {
		return nil, Invalid(map[string]string{fieldSSHKeyIDs: "sshkeys.error_none_chosen"})
	}
	if len(uniq) > sshKeysPerUser {
		return nil, Invalid(map[string]string{fieldSSHKeyIDs: "sshkeys.error_unknown_id"})
	}
	found, err := s.db.SSHKeysByID(ctx, p.UserID, uniq)
	if err != nil {
		return nil, Internal(err)
	}
	if len(found) != len(uniq) {
		return nil, Invalid(map[string]string{fieldSSHKeyIDs: "sshkeys.error_unknown_id"})
	}
	byID := make(map[int64]store.SSHKey, len(found))
	for _, k := range found {
		byID[k.ID] = k
	}
	out := make([]store.SSHKey, 0, len(uniq))
	for _, id := range uniq {
		out = append(out, byID[id])
	}
	return out, nil
}

// PublicKeys is Keys as authorized_keys lines; it makes SSHKeys the
// SSHKeyResolver the VM service takes.
func (s *SSHKeys) PublicKeys(ctx context.Context, p Principal, ids []int64) ([]string, error) {
	keys, err := s.keys(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.PublicKey
	}
	return out, nil
}

// IDsOf reads the keys a script names by id or by fingerprint (seed 001's
// ssh_keys: "SHA256:…", with or without the prefix): their ids, in order. A
// reference to no key of the principal's is a 422 on ssh_keys.
func (s *SSHKeys) IDsOf(ctx context.Context, p Principal, refs []string) ([]int64, error) {
	var keys []store.SSHKey
	out := make([]int64, 0, len(refs))
	for _, ref := range refs {
		ref = strings.TrimSpace(ref)
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			out = append(out, id)
			continue
		}
		if keys == nil {
			var err error
			if keys, err = s.db.SSHKeys(ctx, p.UserID); err != nil {
				return nil, Internal(err)
			}
		}
		i := slices.IndexFunc(keys, func(k store.SSHKey) bool {
			return ref != "" && (k.Fingerprint == ref || strings.TrimPrefix(k.Fingerprint, "SHA256:") == ref)
		})
		if i < 0 {
			return nil, Invalid(map[string]string{"ssh_keys": "sshkeys.error_unknown_id"})
		}
		out = append(out, keys[i].ID)
	}
	return out, nil
}

// Get loads one of the principal's keys; another customer's key is 404.
func (s *SSHKeys) Get(ctx context.Context, p Principal, id int64) (SSHKey, error) {
	if err := p.Require(ScopeAccount); err != nil {
		return SSHKey{}, err
	}
	keys, err := s.db.SSHKeysByID(ctx, p.UserID, []int64{id})
	if err != nil {
		return SSHKey{}, Internal(err)
	}
	if len(keys) == 0 {
		return SSHKey{}, NotFound()
	}
	return sshKeyOf(keys[0]), nil
}
