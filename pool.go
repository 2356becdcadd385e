package gpuplan

// Pool is GPUs an owner holds today: one row of a pools CSV, or what the event log's ownership
// events say a node's owner holds. Zero values mean "not given"; scenarios turn pools into an
// Owner's node groups.
type Pool struct {
	Owner       string
	GPUs        int
	GPUsPerNode int
	GPUType     string
	Site        string
}
