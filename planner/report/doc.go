// Package report renders gpuplan results (a simulate result or a plan) as a policy brief in Korean
// or English: self-contained HTML with SVG charts, PDF with vector charts and embedded fonts,
// Markdown, and CSV tables.
package report
