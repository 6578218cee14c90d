package services

import (
	"errors"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// MaxUserData bounds a customer's user_data (seed 002: 64 KiB).
const MaxUserData = 64 << 10

// UserDataProblem says what is wrong with a customer's user_data ("" when it is
// fine), as a message key: it must be a "#cloud-config"
// document (a YAML mapping) or a "#!" script, in UTF-8, of at most 64 KiB. A
// cloud-config may not carry merge_how or merge_type: how it merges with
// Abrak's own settings (the root password, keys and hostname) is Abrak's to say.
func UserDataProblem(data string) string {
	switch {
	case data == "":
		return ""
	case len(data) > MaxUserData:
		return "vm.user_data_too_long"
	case !utf8.ValidString(data) || strings.ContainsRune(data, 0):
		return "vm.user_data_encoding"
	case strings.HasPrefix(data, "#!"):
		return ""
	}
	first, _, _ := strings.Cut(data, "\n")
	if strings.TrimRight(first, " \t\r") != "#cloud-config" {
		return "vm.user_data_kind"
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return "vm.user_data_not_mapping"
		}
		return "vm.user_data_yaml"
	}
	for _, k := range []string{"merge_how", "merge_type"} {
		if _, ok := doc[k]; ok {
			return "vm.user_data_merge"
		}
	}
	return ""
}
