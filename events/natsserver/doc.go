// Package natsserver starts and stops an embedded NATS server with JetStream and a file store,
// the log that `gpuplan serve` and commands without --nats run.
//
// # Defaults
//
// The zero Options give a single server listening on 127.0.0.1:4222 (loopback only: the log
// holds who used which GPU, so exposing it is a deliberate choice of Addr) with its file store
// in DefaultDir. Port 0 picks a free port, which tests use.
//
// # Authorization and TLS
//
// Options.Auth runs the server in operator mode: it trusts one operator and the accounts it
// signed (held in memory), and accepts every user JWT an account's key signed, so credentials
// are issued without touching the server (package natsauth makes them). Options.TLSCert and
// TLSKey make it accept TLS clients only; URL then starts with tls://. InProcess connects the
// embedding process without the network and without TLS, still authenticating.
//
// # Data directory
//
// DefaultDir follows the XDG base directory convention, since the log is data, not
// configuration: $XDG_DATA_HOME/gpuplan/nats when XDG_DATA_HOME is set, otherwise
// ~/.local/share/gpuplan/nats on Linux and other Unix systems, ~/Library/Application
// Support/gpuplan/nats on macOS and %LocalAppData%\gpuplan\nats on Windows. The server keeps its
// streams in a "jetstream" folder inside. A running server holds a lock on gpuplan.lock there
// (flock, on Unix systems), so a second server on the same directory fails with ErrDirInUse
// instead of corrupting the store.
//
// # Durability
//
// JetStream acknowledges a publish once the message is in the file store's write path; by default
// it fsyncs every two minutes and on shutdown. Shutdown drains and closes the stores, so every
// acknowledged event survives a clean stop (SIGINT or SIGTERM to `gpuplan serve`) and a crash of
// the process alone (the data is in the operating system's page cache). Set SyncAlways to survive
// power loss as well, at a large cost in publish rate. In a cluster, an acknowledged publish is
// on a majority of the replicas.
//
// # Clusters
//
// Options.Cluster joins servers into a JetStream cluster over routes, for tests of replicated
// streams and for sites that run gpuplan's server on several machines. Each server needs its own
// Name and Dir.
package natsserver
