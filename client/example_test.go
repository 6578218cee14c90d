package client_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"abrak/client"
)

// The README's "Script it" snippet, compiled with the tests so it cannot rot.
func Example() {
	ctx := context.Background()
	c := client.New("http://localhost:8080", os.Getenv("ABRAK_TOKEN"))
	vm, err := c.CreateVM(ctx, client.CreateVM{PlanSlug: "starter", OSTemplateSlug: "tiny-linux",
		AuthMode: "ssh_key", SSHKeyIDs: []int64{7}, DisplayName: "web"})
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Fields, apiErr.RequestID)
		return
	}
	created, _ := c.CreateActionOf(ctx, vm.UUID)
	_, err = c.WaitForAction(ctx, created.ID) // polls with backoff until it ends
	for vm, err := range c.VMs(ctx, client.ListVMs{Status: "running"}) {
		fmt.Println(vm.UUID, vm.IP(), err)
	}
}
