package app

import "context"

// Start readies the workers (the fleet loads its nodes, actions a restart cut
// short are settled, the nodes' lifecycle events are recorded as they come)
// and starts every background loop, each until ctx ends or Close.
func (a *App) Start(ctx context.Context) error {
	if err := a.Workers.Prepare(ctx); err != nil {
		return err
	}
	ctx, a.stop = context.WithCancel(ctx)
	for _, loop := range a.loops() {
		a.running.Add(1)
		go func() {
			defer a.running.Done()
			loop(ctx)
		}()
	}
	return nil
}

// loops are every background loop of the panel, all of them here. Each node's
// connection is a goroutine of its own in the fleet (hypervisor/node.go).
func (a *App) loops() []func(context.Context) {
	loops := []func(context.Context){
		a.Workers.RunProvisioner,  // paid orders built into VMs, with a first-boot watch of each
		a.Workers.RunReconciler,   // every 15 s: nodes' health and accelerator, each domain's state against its record
		a.Workers.RunBiller,       // every minute: the hour's charges, low balances, VMs that cannot pay held, suspended, deleted; the recycle bin emptied of VMs past their grace
		a.Workers.RunTemplateSync, // imported templates onto every node that lacks them
		a.Workers.RunBackups,      // every minute: the daily backups due, and those past their retention removed
		a.Workers.RunUsageSampler, // every 30 s: each node's counters in one call, each VM's rates written; rolled up, kept 24 h / 14 d / 13 months
		a.Workers.RunDrains,       // every 5 s: nodes an operator asked to empty, their VMs moved away one at a time; moves settled and tidied after
		a.TopUps.Run,              // payments never finished at the gateway expire
		a.Webhooks.RunWebhooks,    // every 2 s (or when asked): webhook deliveries due, signed, a VM's in order, retried for 24 h
		a.Mailer.Run,              // the mail queue delivered, with retries (with a mail server)
	}
	if a.ReplicaWatch != nil {
		loops = append(loops, a.ReplicaWatch.Run) // every 15 s: the operator told when the database's replicas fall behind, and catch up
	}
	return loops
}
