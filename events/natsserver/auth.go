package natsserver

import (
	"errors"
	"fmt"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
)

// setAuth configures operator mode: the operator is trusted, the accounts are preloaded into a
// memory resolver, and the system account is named.
func setAuth(so *server.Options, a *Auth) error {
	op, err := jwt.DecodeOperatorClaims(a.Operator)
	if err != nil {
		return fmt.Errorf("natsserver: operator JWT: %w", err)
	}
	if a.SystemAccount == "" {
		return errors.New("natsserver: authorization needs a system account")
	}
	res := &server.MemAccResolver{}
	sys := false
	for i, t := range a.Accounts {
		ac, err := jwt.DecodeAccountClaims(t)
		if err != nil {
			return fmt.Errorf("natsserver: account JWT %d: %w", i+1, err)
		}
		if ac.Issuer != op.Subject && !op.SigningKeys.Contains(ac.Issuer) {
			return fmt.Errorf("natsserver: account %s (%s) is not signed by operator %s", ac.Name, ac.Subject, op.Name)
		}
		if err := res.Store(ac.Subject, t); err != nil {
			return fmt.Errorf("natsserver: account %s: %w", ac.Name, err)
		}
		sys = sys || ac.Subject == a.SystemAccount
	}
	if !sys {
		return fmt.Errorf("natsserver: system account %s is not among the accounts", a.SystemAccount)
	}
	so.TrustedOperators = []*jwt.OperatorClaims{op}
	so.AccountResolver = res
	so.SystemAccount = a.SystemAccount
	return nil
}
