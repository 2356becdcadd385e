package natsserver

import (
	"strings"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/gpuplan/gpuplan/internal/testpki"
)

// operatorWithAccount returns an operator JWT, the JWT of an account it signed, and the
// account's public key.
func operatorWithAccount(t *testing.T) (op, acct, pub string) {
	t.Helper()
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	op, err := jwt.NewOperatorClaims(opub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	akp, _ := nkeys.CreateAccount()
	pub, _ = akp.PublicKey()
	acct, err = jwt.NewAccountClaims(pub).Encode(okp)
	if err != nil {
		t.Fatal(err)
	}
	return op, acct, pub
}

func TestAuthOptionErrors(t *testing.T) {
	op, acct, pub := operatorWithAccount(t)
	_, foreign, foreignPub := operatorWithAccount(t)
	for _, tc := range []struct {
		name string
		auth Auth
		want string
	}{
		{"operator not a JWT", Auth{Operator: "nonsense", SystemAccount: pub, Accounts: []string{acct}}, "operator JWT"},
		{"no system account", Auth{Operator: op, Accounts: []string{acct}}, "system account"},
		{"system account not listed", Auth{Operator: op, SystemAccount: foreignPub, Accounts: []string{acct}}, "not among the accounts"},
		{"account of another operator", Auth{Operator: op, SystemAccount: pub, Accounts: []string{acct, foreign}}, "is not signed by operator"},
		{"account not a JWT", Auth{Operator: op, SystemAccount: pub, Accounts: []string{"x"}}, "account JWT 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.auth
			s, err := Start(Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", Auth: &a})
			if err == nil {
				s.Shutdown()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q in it", err, tc.want)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	pki := testpki.Write(t)
	if _, err := Start(Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", TLSCert: pki.Cert}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("certificate without key: %v", err)
	}
	if _, err := Start(Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", TLSCert: pki.Key, TLSKey: pki.Key}); err == nil || !strings.Contains(err.Error(), pki.Key) {
		t.Errorf("a key as certificate: %v", err)
	}
	s, err := Start(Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", TLSCert: pki.Cert, TLSKey: pki.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if !strings.HasPrefix(s.URL(), "tls://127.0.0.1:") {
		t.Fatalf("URL %s, want tls://127.0.0.1:PORT", s.URL())
	}
	for _, tc := range []struct {
		name string
		url  string
		opts []nats.Option
		ok   bool
	}{
		{"trusted CA", s.URL(), []nats.Option{nats.RootCAs(pki.CA)}, true},
		{"system roots only", s.URL(), nil, false},
		{"unrelated CA", s.URL(), []nats.Option{nats.RootCAs(pki.OtherCA)}, false},
		{"plain nats://", strings.Replace(s.URL(), "tls://", "nats://", 1), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := nats.Connect(tc.url, append(tc.opts, nats.NoReconnect())...)
			if err == nil {
				nc.Close()
			}
			if (err == nil) != tc.ok {
				t.Errorf("connect: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
