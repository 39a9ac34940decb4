/**
 * Templates (issue 11): fast provisioning from a saved image. {@link dev.domus.dom0.template.TemplateStore}
 * keeps the registered images under the host's home; {@link dev.domus.dom0.template.Templates} loads
 * each once into host memory as a paused, never-run domain (hidden from {@code domus list}) and
 * checks a config against it; {@link dev.domus.dom0.template.TemplateForker} gives a new domain the
 * template's memory copy-on-write with {@code XENMEM_sharing_op_range_share}, so ten guests from
 * one template hold one copy of its pages until they write them. The toolstack's
 * {@code template add|rm}, {@code template-list} and {@code create --from-template} drive them.
 */
package dev.domus.dom0.template;
