// Package refcheck finds references to the developers' private notes (their design and facts
// files, and the shared folder of the development machines) in the repository's source, docs and
// scenario files, which must cite original sources because a user's clone has no such notes.
package refcheck
