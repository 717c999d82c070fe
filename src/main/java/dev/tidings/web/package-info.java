/**
 * HTTP only: the authentication mechanism, CSRF, request limits, client addresses, problem
 * details. Features never depend on this package; resources (each feature's HTTP layer) may.
 */
package dev.tidings.web;
