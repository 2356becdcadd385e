package natsauth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// Revoke refuses the user of credentials file creds from now on: its public key goes on the
// log account's revocation list, and accounts/GPUPLAN.jwt is signed again with the operator's
// key. It returns the user's name. A server reads the account at start: restart it to apply.
// Credentials issued after the revocation, for the same node or role, are not affected.
func Revoke(dir, creds string) (string, error) {
	b, err := os.ReadFile(creds)
	if err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	tok, err := jwt.ParseDecoratedJWT(b)
	if err != nil {
		return "", fmt.Errorf("natsauth: %s: %w", creds, err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		return "", fmt.Errorf("natsauth: %s: user JWT: %w", creds, err)
	}
	path := filepath.Join(dir, "accounts", logAccount+".jwt")
	ab, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	ac, err := jwt.DecodeAccountClaims(strings.TrimSpace(string(ab)))
	if err != nil {
		return "", fmt.Errorf("natsauth: %s: %w", path, err)
	}
	if uc.Issuer != ac.Subject {
		return "", fmt.Errorf("natsauth: %s was not issued by the account in %s", creds, dir)
	}
	seed, err := os.ReadFile(filepath.Join(dir, "keys", "operator.nk"))
	if err != nil {
		return "", fmt.Errorf("natsauth: the operator's key signs the account: %w", err)
	}
	okp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return "", fmt.Errorf("natsauth: keys/operator.nk: %w", err)
	}
	// Revocation covers JWTs issued at or before the time: one second ahead covers a JWT
	// issued in the current second too.
	ac.RevokeAt(uc.Subject, time.Now().Add(time.Second))
	signed, err := ac.Encode(okp)
	if err != nil {
		return "", fmt.Errorf("natsauth: account JWT: %w", err)
	}
	tmp := path + ".new"
	os.Remove(tmp)
	if err := writeNew(tmp, []byte(signed)); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	return uc.Name, nil
}
