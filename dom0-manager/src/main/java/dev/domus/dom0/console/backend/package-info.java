/**
 * The console backend (Domus's xenconsoled): keeps what each guest writes to its
 * {@code xencons_interface} ring and feeds it input; {@code domus console} reads from here.
 */
package dev.domus.dom0.console.backend;
