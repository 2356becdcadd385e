package sim

import "errors"

// Sentinel errors; Run wraps them with the details, so test them with errors.Is.
var (
	ErrUnknownPolicy  = errors.New("sim: unknown policy")
	ErrUnknownOwner   = errors.New("sim: unknown owner")
	ErrInvalidOptions = errors.New("sim: invalid options")
)
