"""The caseworkers' web pages: server-rendered, on the same services and permissions as the API."""
