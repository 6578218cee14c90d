package handlers

import (
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The VM list is the API's most requested answer, and encoding/json's
// reflection over fifty VMs was a tenth of its CPU when nothing is kept.
// appendVMList writes the same bytes as json.NewEncoder(w).Encode(list) (the
// differential test and fuzz target in vm_list_json_test.go hold it to that),
// field by field in the order of the structs' declarations.

// listScratch holds the buffers lists are written into; the answer is a copy
// of its exact size, since the answer store keeps it.
var listScratch = sync.Pool{New: func() any { return new([]byte) }}

// encodeVMList is the list's JSON, as encodeJSON would write it without ?pretty.
func encodeVMList(l apiVMList) []byte {
	scratch := listScratch.Get().(*[]byte)
	*scratch = appendVMList((*scratch)[:0], l)
	out := append([]byte(nil), *scratch...)
	listScratch.Put(scratch)
	return out
}

func appendVMList(b []byte, l apiVMList) []byte {
	b = append(b, `{"vms":[`...)
	for i := range l.VMs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendVM(b, &l.VMs[i])
	}
	b = append(b, `],"meta":{"total":`...)
	b = strconv.AppendInt(b, int64(l.Meta.Total), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(l.Meta.Limit), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(l.Meta.Offset), 10)
	return append(b, "}}\n"...)
}

func appendVM(b []byte, v *apiVM) []byte {
	b = append(b, `{"uuid":`...)
	b = appendJSONString(b, v.UUID)
	b = append(b, `,"display_name":`...)
	b = appendJSONString(b, v.DisplayName)
	b = append(b, `,"hostname":`...)
	b = appendJSONString(b, v.Hostname)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(v.Status))
	b = append(b, `,"plan":{"slug":`...)
	b = appendJSONString(b, v.Plan.Slug)
	b = append(b, `,"vcpus":`...)
	b = strconv.AppendInt(b, int64(v.Plan.VCPUs), 10)
	b = append(b, `,"memory_mb":`...)
	b = strconv.AppendInt(b, int64(v.Plan.MemoryMB), 10)
	b = append(b, `,"disk_gb":`...)
	b = strconv.AppendInt(b, int64(v.Plan.DiskGB), 10)
	b = append(b, `,"price_hourly":`...)
	b = strconv.AppendInt(b, v.Plan.PriceHourly, 10)
	b = append(b, `},"os_template":{"slug":`...)
	b = appendJSONString(b, v.OSTemplate.Slug)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, v.OSTemplate.Name)
	b = append(b, `},"region":`...)
	b = appendJSONString(b, v.Region)
	b = append(b, `,"public_ip":`...)
	if v.PublicIP == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *v.PublicIP)
	}
	b = append(b, `,"networks":{"v4":`...)
	if v.Networks.V4 == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, n := range v.Networks.V4 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ip_address":`...)
			b = appendJSONString(b, n.IPAddress)
			b = append(b, `,"netmask":`...)
			b = appendJSONString(b, n.Netmask)
			b = append(b, `,"gateway":`...)
			b = appendJSONString(b, n.Gateway)
			b = append(b, `,"type":`...)
			b = appendJSONString(b, n.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"v6":`...)
	if v.Networks.V6 == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, n := range v.Networks.V6 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ip_address":`...)
			b = appendJSONString(b, n.IPAddress)
			b = append(b, `,"prefix":`...)
			b = strconv.AppendInt(b, int64(n.Prefix), 10)
			b = append(b, `,"gateway":`...)
			b = appendJSONString(b, n.Gateway)
			b = append(b, `,"type":`...)
			b = appendJSONString(b, n.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `},"mac_address":`...)
	b = appendJSONString(b, v.MACAddress)
	b = append(b, `,"traffic":{"month":`...)
	b = appendJSONString(b, v.Traffic.Month)
	b = append(b, `,"rx_bytes":`...)
	b = strconv.AppendInt(b, v.Traffic.RxBytes, 10)
	b = append(b, `,"tx_bytes":`...)
	b = strconv.AppendInt(b, v.Traffic.TxBytes, 10)
	b = append(b, `},"boot":{"boot_type":`...)
	b = appendJSONString(b, v.Boot.Type)
	if v.Boot.CDROM != "" {
		b = append(b, `,"cdrom":`...)
		b = appendJSONString(b, v.Boot.CDROM)
	}
	b = append(b, `},"created_at":`...)
	b = appendJSONString(b, v.CreatedAt)
	if v.DeletedAt != "" {
		b = append(b, `,"deleted_at":`...)
		b = appendJSONString(b, v.DeletedAt)
	}
	if v.PurgeAt != "" {
		b = append(b, `,"purge_at":`...)
		b = appendJSONString(b, v.PurgeAt)
	}
	b = append(b, `,"locked":`...)
	b = strconv.AppendBool(b, v.Locked)
	b = append(b, `,"order_status":`...)
	b = appendJSONString(b, string(v.OrderStatus))
	b = append(b, `,"node_unavailable":`...)
	b = strconv.AppendBool(b, v.NodeUnavailable)
	b = append(b, `,"held_for_funds":`...)
	b = strconv.AppendBool(b, v.HeldForFunds)
	b = append(b, `,"suspended":`...)
	b = strconv.AppendBool(b, v.Suspended)
	b = append(b, `,"backups_enabled":`...)
	b = strconv.AppendBool(b, v.BackupsEnabled)
	b = append(b, `,"backup_price_hourly":`...)
	b = strconv.AppendInt(b, v.BackupPriceHourly, 10)
	b = append(b, `,"backup_ids":`...)
	if v.BackupIDs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, id := range v.BackupIDs {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, id, 10)
		}
		b = append(b, ']')
	}
	b = append(b, `,"memory":`...)
	b = appendFloat(b, v.Memory)
	b = append(b, `,"vcpus":`...)
	b = strconv.AppendInt(b, int64(v.VCPUs), 10)
	b = append(b, `,"disk":`...)
	b = strconv.AppendInt(b, int64(v.Disk), 10)
	b = append(b, `,"image":{"id":`...)
	b = appendJSONString(b, v.Image.ID)
	b = append(b, `,"distro":`...)
	b = appendJSONString(b, v.Image.Distro)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, v.Image.Name)
	b = append(b, `},"features":`...)
	b = appendStrings(b, v.Features)
	b = append(b, `,"updated_at":`...)
	b = appendJSONString(b, v.UpdatedAt)
	if v.SnapshotIDs != nil {
		b = append(b, `,"snapshot_ids":`...)
		b = appendStrings(b, *v.SnapshotIDs)
	}
	return append(b, '}')
}

// appendStrings writes a list of strings; nil is null, as encoding/json has it.
func appendStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendFloat writes f as encoding/json does: plain digits, but for the very
// small and the very large, which it writes with an exponent (left to it).
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		q, err := json.Marshal(f)
		if err != nil { // NaN and infinities: what encoding/json refuses is never a VM's memory
			return append(b, "null"...)
		}
		return append(b, q...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendJSONString quotes s as encoding/json does. Names, slugs, addresses
// and dates are almost always printable text that needs no escape (Persian
// included: encoding/json writes valid UTF-8 as it is); anything else (a
// quote, <, >, &, a control, U+2028/2029, invalid UTF-8) goes through
// encoding/json itself, so its escaping rules are never restated here.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshalled(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendMarshalled(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendMarshalled(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil { // a string always marshals
		panic(err)
	}
	return append(b, q...)
}
