package oro

// SetOperationErrorPage sets the page size of asyncoperations/{id}/errors
// reads until the test ends, so that a few errors span several pages.
func SetOperationErrorPage(t interface{ Cleanup(func()) }, n int) {
	old := operationErrorPage
	operationErrorPage = n
	t.Cleanup(func() { operationErrorPage = old })
}
