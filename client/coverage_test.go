package client_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"abrak/client"
)

// methodOf names the client's method for each documented operation, by
// operationId and by method+path, so that a renamed or moved operation
// fails here as surely as a new one.
var methodOf = map[string]string{
	"listVMs GET /api/v1/vms":                                                     "ListVMs",
	"createVM POST /api/v1/vms":                                                   "CreateVM",
	"getVM GET /api/v1/vms/{uuid}":                                                "GetVM",
	"updateVM PATCH /api/v1/vms/{uuid}":                                           "UpdateVM",
	"deleteVM DELETE /api/v1/vms/{uuid}":                                          "DeleteVM",
	"restoreVM POST /api/v1/vms/{uuid}/restore":                                   "RestoreVM",
	"powerVM POST /api/v1/vms/{uuid}/power/{action}":                              "Power",
	"openConsole POST /api/v1/vms/{uuid}/console":                                 "OpenConsole",
	"setVMPassword POST /api/v1/vms/{uuid}/security/password":                     "SetPassword",
	"setVMHostname POST /api/v1/vms/{uuid}/security/hostname":                     "SetHostname",
	"listVMActions GET /api/v1/vms/{uuid}/actions":                                "ListVMActions",
	"runVMAction POST /api/v1/vms/{uuid}/actions":                                 "RunAction",
	"resizeVM POST /api/v1/vms/{uuid}/resize":                                     "Resize",
	"listVMSnapshots GET /api/v1/vms/{uuid}/snapshots":                            "Snapshots",
	"createVMSnapshot POST /api/v1/vms/{uuid}/snapshots":                          "CreateSnapshot",
	"revertVMSnapshot POST /api/v1/vms/{uuid}/snapshots/{name}/revert":            "RevertSnapshot",
	"deleteVMSnapshot DELETE /api/v1/vms/{uuid}/snapshots/{name}":                 "DeleteSnapshot",
	"listVMBackups GET /api/v1/vms/{uuid}/backups":                                "Backups",
	"createVMBackup POST /api/v1/vms/{uuid}/backups":                              "CreateBackup",
	"restoreVMBackup POST /api/v1/vms/{uuid}/backups/{id}/restore":                "RestoreBackup",
	"deleteVMBackup DELETE /api/v1/vms/{uuid}/backups/{id}":                       "DeleteBackup",
	"rebuildVM POST /api/v1/vms/{uuid}/rebuild":                                   "Rebuild",
	"bootVM POST /api/v1/vms/{uuid}/boot":                                         "Boot",
	"getVMMetrics GET /api/v1/vms/{uuid}/metrics":                                 "Metrics",
	"listActions GET /api/v1/actions":                                             "ListActions",
	"getAction GET /api/v1/actions/{id}":                                          "GetAction",
	"listPlans GET /api/v1/plans":                                                 "Plans",
	"listOSTemplates GET /api/v1/os-templates":                                    "OSTemplates",
	"listISOs GET /api/v1/isos":                                                   "ISOs",
	"listRegions GET /api/v1/regions":                                             "Regions",
	"getAccount GET /api/v1/account":                                              "GetAccount",
	"startTopUp POST /api/v1/billing/topups":                                      "StartTopUp",
	"getStatement GET /api/v1/billing/statements/{month}":                         "Statement",
	"getTopUp GET /api/v1/billing/topups/{id}":                                    "GetTopUp",
	"listAlerts GET /api/v1/alerts":                                               "Alerts",
	"createAlert POST /api/v1/alerts":                                             "CreateAlert",
	"deleteAlert DELETE /api/v1/alerts/{id}":                                      "DeleteAlert",
	"listWebhooks GET /api/v1/webhooks":                                           "Webhooks",
	"createWebhook POST /api/v1/webhooks":                                         "CreateWebhook",
	"getWebhook GET /api/v1/webhooks/{id}":                                        "GetWebhook",
	"updateWebhook PATCH /api/v1/webhooks/{id}":                                   "UpdateWebhook",
	"deleteWebhook DELETE /api/v1/webhooks/{id}":                                  "DeleteWebhook",
	"listWebhookDeliveries GET /api/v1/webhooks/{id}/deliveries":                  "WebhookDeliveries",
	"redeliverWebhook POST /api/v1/webhooks/{id}/deliveries/{delivery}/redeliver": "RedeliverWebhook",
	"testWebhook POST /api/v1/webhooks/{id}/test":                                 "TestWebhook",
	"listSSHKeys GET /api/v1/ssh-keys":                                            "SSHKeys",
	"createSSHKey POST /api/v1/ssh-keys":                                          "CreateSSHKey",
	"getSSHKey GET /api/v1/ssh-keys/{id}":                                         "GetSSHKey",
	"deleteSSHKey DELETE /api/v1/ssh-keys/{id}":                                   "DeleteSSHKey",
	"getTeam GET /api/v1/team":                                                    "GetTeam",
	"listTeamMembers GET /api/v1/team/members":                                    "TeamMembers",
	"listTeamInvitations GET /api/v1/team/invitations":                            "TeamInvitations",
	"getOpenAPI GET /api/v1/openapi.json":                                         "OpenAPI",
}

// Every operation the API documents for customers has a method on the
// client: an operation added to handlers/openapi.json without one fails
// here, and so does a table row for an operation that is gone.
func TestEveryDocumentedOperationHasAMethod(t *testing.T) {
	raw, err := os.ReadFile("../handlers/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	ct := reflect.TypeFor[*client.Client]()
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, body := range ops {
			if !slices.Contains([]string{"get", "post", "put", "patch", "delete"}, method) {
				continue
			}
			var op struct {
				OperationID string                `json:"operationId"`
				Security    []map[string][]string `json:"security"`
			}
			if err := json.Unmarshal(body, &op); err != nil {
				t.Fatal(err)
			}
			if adminOnly(op.Security) {
				continue
			}
			key := op.OperationID + " " + strings.ToUpper(method) + " " + path
			documented[key] = true
			name, ok := methodOf[key]
			if !ok {
				t.Errorf("%s has no client method: add one and a row to methodOf", key)
				continue
			}
			if _, ok := ct.MethodByName(name); !ok {
				t.Errorf("%s: methodOf says %s, but *client.Client has no such method", key, name)
			}
		}
	}
	for key := range methodOf {
		if !documented[key] {
			t.Errorf("methodOf has %s, which handlers/openapi.json no longer documents for customers", key)
		}
	}
}

// adminOnly: the operators' door (/api/v1/admin) is not the customers' client's.
func adminOnly(sec []map[string][]string) bool {
	for _, s := range sec {
		if slices.Contains(s["bearerAuth"], "admin") {
			return true
		}
	}
	return false
}
