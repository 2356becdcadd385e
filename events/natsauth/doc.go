// Package natsauth issues and loads the credentials of gpuplan's roles on a NATS server in
// operator mode: an operator, a system account, one account holding the event log, and one user
// JWT per role (and per collector node) signed by that account's key.
//
// A credential directory (Init) holds:
//
//	operator.jwt             the operator, which the server trusts
//	accounts/SYS.jwt         the system account
//	accounts/GPUPLAN.jwt     the account of the event log, with JetStream enabled
//	keys/*.nk                the operator's and the accounts' seeds (mode 0600): whoever holds
//	                         keys/GPUPLAN.nk can issue credentials
//	admin.creds              one credentials file per role (user JWT and seed, mode 0600)
//	importer.creds
//	planner.creds
//	worker.creds             gpuplan worker: sweep tasks in, results out, nothing of the log
//	collector-<node>.creds   one per collector node (AddNode)
//
// A server needs only operator.jwt and accounts/ (Load); each client needs only its .creds file.
// Users are not registered with the server: it accepts any user JWT that the account's key
// signed, so AddNode takes effect without a restart. What each role may do is
// jetstream.RolePermissions, written into the user JWT. Revoke puts a user on the account's
// revocation list, which a server applies when it next loads the account.
package natsauth
