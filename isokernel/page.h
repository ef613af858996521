/* page.h - the arch-neutral state of a page of a VM's window, as the address space reasons about it (encoded by arch pte.h). */
#ifndef ISO_PAGE_H
#define ISO_PAGE_H

/*
 * PAGE_SHARED:  read-only, the frame is an image's (shared by every instance, never written).
 * PAGE_COW:     read-only now; a write gets the VM a private copy (or, when the VM holds the frame's last reference,
 *               the frame itself). The frame is an image's or VM memory shared by reference count (frame.h).
 * PAGE_PRIVATE: writable; the VM holds the frame's only reference.
 * Each kind is executable or not (the image's segment flags; VM memory never is).
 */
enum page_kind { PAGE_NONE = 0, PAGE_SHARED, PAGE_COW, PAGE_PRIVATE };

#endif
