package sim

import "errors"

// Sentinel errors; Run wraps them with the details, so test them with errors.Is.
var (
	ErrUnknownPolicy   = errors.New("sim: unknown policy")
	ErrUnknownOwner    = errors.New("sim: unknown owner")
	ErrInvalidCluster  = errors.New("sim: invalid cluster")
	ErrInvalidWorkload = errors.New("sim: invalid workload")
	ErrInvalidOptions  = errors.New("sim: invalid options")
)
