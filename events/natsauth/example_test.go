package natsauth_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gpuplan/gpuplan/events/natsauth"
)

func Example() {
	dir, _ := os.MkdirTemp("", "gpuplan-auth-")
	defer os.RemoveAll(dir)
	if err := natsauth.Init(dir, natsauth.Options{Nodes: []string{"dgx-01"}}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := natsauth.AddNode(dir, "dgx-02"); err != nil {
		fmt.Println(err)
		return
	}
	creds, _ := filepath.Glob(filepath.Join(dir, "*.creds"))
	for _, c := range creds {
		fmt.Println(filepath.Base(c))
	}
	a, _ := natsauth.Load(dir) // what natsserver.Options.Auth takes
	fmt.Println(len(a.Accounts), "accounts")
	// Output:
	// admin.creds
	// collector-dgx-01.creds
	// collector-dgx-02.creds
	// importer.creds
	// planner.creds
	// 2 accounts
}
