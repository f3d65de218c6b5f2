// SPDX-License-Identifier: GPL-2.0
/*
 * c_misc: the C twin of modules/rust_misc. /dev/c-misc is a byte store of
 * RUST_MISC_CAPACITY bytes shared by every open file, read and written with
 * read(2)/write(2)/lseek(2) and the ioctls of rust_misc.h, with exactly the
 * behaviour of /dev/rust-misc (modules/rust_misc/store.rs):
 *
 *  - read at p gives nothing at or after the end of the data, else up to it;
 *  - write at p (at the end of the data with O_APPEND) stores what fits
 *    below the capacity, zero-fills any gap after the old end, and may
 *    extend the data; nothing fits at or past the capacity: -ENOSPC;
 *  - lseek from the start, the current position or the end of the data to a
 *    position within [0, capacity], else -EINVAL with the position kept;
 *  - a fault copying from or to userspace is -EFAULT with nothing changed.
 *
 * One mutex guards the store, and every operation takes it once, so each
 * operation is atomic with respect to the others.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <rust_misc.h>

#define C_MISC_NAME "c-misc"

/*
 * kzalloc_obj() (7.x) allocates a zeroed object of a variable's type; the
 * same from kzalloc() on kernels that predate it.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP) kzalloc(sizeof(P), GFP)
#endif

struct c_misc {
	struct miscdevice misc;
	struct mutex lock;	/* guards everything below */
	size_t len;		/* length of the data */
	struct rust_misc_stats stats;
	/* RUST_MISC_CAPACITY bytes; those at and after len are always zero. */
	u8 data[RUST_MISC_CAPACITY];
	/*
	 * Where a write's user bytes land first, so that a fault while
	 * copying them stores nothing.
	 */
	u8 staging[RUST_MISC_CAPACITY];
};

static struct c_misc *c_misc;

/* Counts n bytes into a statistics counter, saturating. */
static void c_misc_count(__u64 *counter, size_t n)
{
	if (check_add_overflow(*counter, (__u64)n, counter))
		*counter = U64_MAX;
}

static int c_misc_open(struct inode *inode, struct file *file)
{
	/* misc_open() points private_data at our struct miscdevice. */
	struct c_misc *dev = container_of(file->private_data, struct c_misc,
					  misc);

	mutex_lock(&dev->lock);
	dev->stats.opens++;
	mutex_unlock(&dev->lock);
	file->private_data = dev;
	return 0;
}

/*
 * Not simple_read_from_buffer(): it returns the bytes copied before a
 * fault, where this device fails the whole read with -EFAULT and leaves
 * the position and the counters unchanged.
 */
static ssize_t c_misc_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct c_misc *dev = file->private_data;
	loff_t pos = *ppos;
	ssize_t ret = 0;
	size_t n;

	if (pos < 0)
		return -EINVAL;

	mutex_lock(&dev->lock);
	if (pos >= dev->len)
		goto out;
	n = min_t(size_t, count, dev->len - pos);
	if (copy_to_user(buf, dev->data + pos, n)) {
		ret = -EFAULT;
		goto out;
	}
	c_misc_count(&dev->stats.bytes_read, n);
	*ppos = pos + n;
	ret = n;
out:
	mutex_unlock(&dev->lock);
	return ret;
}

static ssize_t c_misc_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct c_misc *dev = file->private_data;
	ssize_t ret;
	size_t p, n;

	mutex_lock(&dev->lock);
	if (file->f_flags & O_APPEND) {
		p = dev->len;
	} else if (*ppos < 0) {
		ret = -EINVAL;
		goto out;
	} else {
		p = *ppos;
	}
	if (!count) {
		ret = 0;
		goto out;
	}
	if (p >= RUST_MISC_CAPACITY) {
		ret = -ENOSPC;
		goto out;
	}
	n = min_t(size_t, count, RUST_MISC_CAPACITY - p);
	/* Copy from userspace first: on a fault the store is unchanged. */
	if (copy_from_user(dev->staging, buf, n)) {
		ret = -EFAULT;
		goto out;
	}
	if (p > dev->len)
		memset(dev->data + dev->len, 0, p - dev->len);
	memcpy(dev->data + p, dev->staging, n);
	dev->len = max(dev->len, p + n);
	c_misc_count(&dev->stats.bytes_written, n);
	*ppos = p + n;
	ret = n;
out:
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * Not fixed_size_llseek() or generic_file_llseek_size(): SEEK_END is the
 * end of the data, not the capacity, and SEEK_DATA/SEEK_HOLE are -EINVAL.
 */
static loff_t c_misc_llseek(struct file *file, loff_t offset, int whence)
{
	struct c_misc *dev = file->private_data;
	loff_t base, pos;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = file->f_pos;
		break;
	case SEEK_END:
		mutex_lock(&dev->lock);
		base = dev->len;
		mutex_unlock(&dev->lock);
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(base, offset, &pos) ||
	    pos < 0 || pos > RUST_MISC_CAPACITY)
		return -EINVAL;
	return vfs_setpos(file, pos, RUST_MISC_CAPACITY);
}

static long c_misc_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct c_misc *dev = file->private_data;
	struct rust_misc_stats stats;
	__u64 len;

	switch (cmd) {
	case RUST_MISC_GET_LEN:
		mutex_lock(&dev->lock);
		len = dev->len;
		mutex_unlock(&dev->lock);
		if (copy_to_user((void __user *)arg, &len, sizeof(len)))
			return -EFAULT;
		return 0;
	case RUST_MISC_CLEAR:
		mutex_lock(&dev->lock);
		memset(dev->data, 0, sizeof(dev->data));
		dev->len = 0;
		mutex_unlock(&dev->lock);
		return 0;
	case RUST_MISC_GET_STATS:
		mutex_lock(&dev->lock);
		stats = dev->stats;
		mutex_unlock(&dev->lock);
		if (copy_to_user((void __user *)arg, &stats, sizeof(stats)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

/*
 * No compat_ioctl, as in rust_misc: 32-bit callers on a 64-bit kernel get
 * -ENOTTY from both devices.
 */
static const struct file_operations c_misc_fops = {
	.owner = THIS_MODULE,
	.open = c_misc_open,
	.read = c_misc_read,
	.write = c_misc_write,
	.llseek = c_misc_llseek,
	.unlocked_ioctl = c_misc_ioctl,
};

static int __init c_misc_init(void)
{
	struct c_misc *dev;
	int ret;

	dev = kzalloc_obj(*dev, GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	mutex_init(&dev->lock);
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = C_MISC_NAME;
	dev->misc.fops = &c_misc_fops;
	dev->misc.mode = 0600;

	ret = misc_register(&dev->misc);
	if (ret) {
		mutex_destroy(&dev->lock);
		kfree(dev);
		return ret;
	}
	c_misc = dev;
	pr_info("Registered /dev/" C_MISC_NAME ", misc minor %d\n",
		dev->misc.minor);
	return 0;
}

/*
 * The file operations' owner keeps the module loaded while a file is open,
 * so once it unloads no file points into the device any more.
 */
static void __exit c_misc_exit(void)
{
	pr_info("Unregistering /dev/" C_MISC_NAME "\n");
	misc_deregister(&c_misc->misc);
	mutex_destroy(&c_misc->lock);
	kfree(c_misc);
}

module_init(c_misc_init);
module_exit(c_misc_exit);

MODULE_AUTHOR("Rust kernel module workspace");
MODULE_DESCRIPTION("Misc device byte store, the C twin of rust_misc");
MODULE_LICENSE("GPL");
