package vmstatus

// Action is one of the contract's power actions.
type Action string

const (
	Start    Action = "start"
	Shutdown Action = "shutdown"
	Reboot   Action = "reboot"
	// Reset is the reset button: the guest restarts at once, without asking it
	// (seed 003's power_cycle).
	Reset Action = "reset"
	Kill  Action = "kill"
)

// PowerActions are the contract's power actions, in the order pages show them.
var PowerActions = []Action{Start, Shutdown, Reboot, Reset, Kill}

// ParseAction returns the power action named a, or false.
func ParseAction(a string) (Action, bool) {
	for _, v := range PowerActions {
		if string(v) == a {
			return v, true
		}
	}
	return "", false
}

// Target is the status the action leaves a VM in.
func (a Action) Target() Status {
	switch a {
	case Shutdown, Kill:
		return Stopped
	}
	return Running
}

// allowed is, per status, the power actions that change something. Start on a
// paused or suspended VM resumes it; on a crashed one it boots the disk afresh.
var allowed = map[Status][]Action{
	Running:   {Shutdown, Reboot, Reset, Kill},
	Stopped:   {Start},
	Paused:    {Start, Kill},
	Suspended: {Start, Kill},
	Crashed:   {Start, Kill},
}

// Allows reports whether action a can change a VM in status s. Asking for the
// status a VM is already in is not "allowed" here but is no error either: the
// service completes it at once (the contract's idempotent power actions).
func (s Status) Allows(a Action) bool {
	for _, v := range allowed[s] {
		if v == a {
			return true
		}
	}
	return false
}

// Actions lists the power actions s allows, in display order: the buttons a VM's page shows.
func (s Status) Actions() []Action { return allowed[s] }

// Disruptive actions interrupt a running guest; pages confirm them first.
func (a Action) Disruptive() bool { return a != Start }
