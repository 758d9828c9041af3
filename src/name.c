/* Framebuffer names: which characters a name may hold, and its canonical
 * form (shmfb_name_check). */
#include <shmfb/shmfb.h>

#include <errno.h>
#include <string.h>

static int name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int shmfb_name_check(const char *name, char *out, size_t size)
{
    if (!name)
        return -EINVAL;
    const char *s = name[0] == '/' ? name + 1 : name;
    size_t len = strnlen(s, SHMFB_NAME_MAX + 1);
    if (len == 0)
        return -EINVAL;
    if (len > SHMFB_NAME_MAX)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < len; i++) {
        if (!name_char_ok(s[i]))
            return -EINVAL;
    }
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return -EINVAL;
    if (!out)
        return 0;
    if (size < len + 2)
        return -ENOSPC;
    out[0] = '/';
    memcpy(out + 1, s, len + 1);
    return 0;
}
