package store

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"sort"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionCodec encodes a session's values in key order, so the same session
// makes the same bytes and SessionStore can tell a mere touch from a change
// (scs's GobCodec writes a map, whose order varies). Sessions written by the
// GobCodec before it are still read.
//
// The values the panel keeps (ids, times as numbers, short strings) are
// written in a plain form of their own: gob describes its types anew in every
// stream, and one gob decode and encode on every signed-in request (scs
// decodes the session, then encodes it to move its expiry on) were a sixth of
// a VM page poll's CPU. A session holding any other type is written by gob.
type SessionCodec struct{}

// sessionMagic starts the gob sessions this codec writes and sessionPlain the
// plain ones: a gob stream never begins with a zero byte, so neither can be
// taken for scs's own.
var (
	sessionMagic = []byte{0, 'A'}
	sessionPlain = []byte{0, 'B'}
)

type orderedSession struct {
	Deadline time.Time
	Keys     []string
	Vals     []any
}

func (SessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if b, ok := encodePlain(deadline, keys, values); ok {
		return b, nil
	}
	s := orderedSession{Deadline: deadline, Keys: keys}
	for _, k := range s.Keys {
		s.Vals = append(s.Vals, values[k])
	}
	var b bytes.Buffer
	b.Write(sessionMagic)
	if err := gob.NewEncoder(&b).Encode(&s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodePlain writes the deadline and then, for each key, the key, a type
// letter and the value; it refuses a value of a type it does not know.
func encodePlain(deadline time.Time, keys []string, values map[string]any) ([]byte, bool) {
	b := append(make([]byte, 0, 64), sessionPlain...)
	b = binary.AppendVarint(b, deadline.UnixNano())
	text := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	for _, k := range keys {
		b = text(b, k)
		switch v := values[k].(type) {
		case string:
			b = text(append(b, 's'), v)
		case int64:
			b = binary.AppendVarint(append(b, 'i'), v)
		case int:
			b = binary.AppendVarint(append(b, 'n'), int64(v))
		case bool:
			one := byte(0)
			if v {
				one = 1
			}
			b = append(b, 'b', one)
		default:
			return nil, false
		}
	}
	return b, true
}

var errSessionData = errors.New("store: a session's data is cut short or unknown")

func decodePlain(b []byte) (time.Time, map[string]any, error) {
	n, w := binary.Varint(b)
	if w <= 0 {
		return time.Time{}, nil, errSessionData
	}
	deadline, b := time.Unix(0, n), b[w:]
	text := func() (string, bool) {
		l, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < l {
			return "", false
		}
		s := string(b[w : w+int(l)])
		b = b[w+int(l):]
		return s, true
	}
	values := map[string]any{}
	for len(b) > 0 {
		k, ok := text()
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errSessionData
		}
		kind := b[0]
		b = b[1:]
		switch kind {
		case 's':
			if values[k], ok = text(); !ok {
				return time.Time{}, nil, errSessionData
			}
		case 'i', 'n':
			v, w := binary.Varint(b)
			if w <= 0 {
				return time.Time{}, nil, errSessionData
			}
			b = b[w:]
			if values[k] = v; kind == 'n' {
				values[k] = int(v)
			}
		case 'b':
			if len(b) == 0 {
				return time.Time{}, nil, errSessionData
			}
			values[k], b = b[0] == 1, b[1:]
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	return deadline, values, nil
}

func (SessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if rest, ok := bytes.CutPrefix(b, sessionPlain); ok {
		return decodePlain(rest)
	}
	rest, ok := bytes.CutPrefix(b, sessionMagic)
	if !ok {
		return scs.GobCodec{}.Decode(b)
	}
	var s orderedSession
	if err := gob.NewDecoder(bytes.NewReader(rest)).Decode(&s); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(s.Keys))
	for i, k := range s.Keys {
		if i < len(s.Vals) {
			values[k] = s.Vals[i]
		}
	}
	return s.Deadline, values, nil
}
