package jetstream

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/nats-io/nats.go"
)

const (
	// MaxReplicas is the most copies JetStream keeps of a stream.
	MaxReplicas = 5
	// ClusterReplicas is the replica count chosen when Options.Replicas is 0 and the client
	// knows at least that many servers of the cluster it is connected to: three copies survive
	// the loss of any one server (a majority of two still acknowledges and elects a leader),
	// while five would double the write traffic for a second failure most sites never plan for.
	ClusterReplicas = 3
)

// ErrReplicas: the replica count asked for cannot be kept by the server or cluster connected to.
var ErrReplicas = errors.New("jetstream: replicas")

// ChooseReplicas returns the replicas of the streams a store creates, given the count asked for
// (0: the default), the name of the cluster the connected server belongs to ("" for a server in
// no cluster) and how many servers of that cluster the client knows. The default is
// ClusterReplicas when servers >= ClusterReplicas and 1 otherwise (a two-server cluster loses
// its majority with either server, so a second copy buys no availability). More replicas than
// known servers are refused: the server would refuse them too, with a less telling error.
func ChooseReplicas(asked int, cluster string, servers int) (int, error) {
	if asked < 0 || asked > MaxReplicas {
		return 0, fmt.Errorf("%w: %d is not 1 to %d (0 chooses from the cluster's size)", ErrReplicas, asked, MaxReplicas)
	}
	if cluster == "" {
		if asked > 1 {
			return 0, fmt.Errorf("%w: %d asked, but the server is in no cluster and keeps one copy of a stream", ErrReplicas, asked)
		}
		return 1, nil
	}
	if asked == 0 {
		if servers >= ClusterReplicas {
			return ClusterReplicas, nil
		}
		return 1, nil
	}
	if asked > servers {
		return 0, fmt.Errorf("%w: %d asked, but only %d servers of cluster %q are known (the URLs given and those the servers advertise); list every server's URL", ErrReplicas, asked, servers, cluster)
	}
	return asked, nil
}

// KnownServers counts the distinct servers (host:port) of the client's pool: the URLs it was
// given and those the connected server advertises for its cluster. A cluster that does not
// advertise is counted by the URLs given alone, which is why ChooseReplicas asks for all of them.
// nats.go offers no count of JetStream peers to an ordinary account; this is the client's view.
func KnownServers(nc *nats.Conn) int {
	seen := map[string]bool{}
	for _, s := range nc.Servers() {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			seen[u.Host] = true
		} else {
			seen[s] = true
		}
	}
	return len(seen)
}
