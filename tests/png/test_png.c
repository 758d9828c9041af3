/* Tests for libshmfb-png: round trips, comparison and every error path. */
#include <shmfb/png.h>

#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[64];

/* ---- helpers ----------------------------------------------------------- */

static const char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];

    snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    chmod(path, 0700);
    return remove(path);
}

static void suite_setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/shmfb-test-png-%ld-XXXXXX", (long)getpid());
    if (!mkdtemp(tmpdir))
        abort();
}

static void suite_teardown(void)
{
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint32_t pattern(uint32_t seed, int32_t x, int32_t y)
{
    uint32_t h = seed * 0x9e3779b1u ^ (uint32_t)x * 0x85ebca6bu ^ (uint32_t)y * 0xc2b2ae35u;

    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return h;
}

static uint32_t *pixel_at(uint32_t *pixels, int32_t stride, int32_t x, int32_t y)
{
    return (uint32_t *)((unsigned char *)pixels + (size_t)y * stride) + x;
}

/* An image of random pixels in a buffer whose row padding holds a marker. */
static uint32_t *make_pattern(int32_t w, int32_t h, int32_t stride, uint32_t seed)
{
    uint32_t *px = malloc((size_t)stride * h);

    ck_assert_ptr_nonnull(px);
    memset(px, 0xa5, (size_t)stride * h);
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++)
            *pixel_at(px, stride, x, y) = pattern(seed, x, y);
    return px;
}

static bool file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static void write_good_png(const char *path, int32_t w, int32_t h)
{
    uint32_t *px = make_pattern(w, h, w * 4, 7);

    ck_assert_int_eq(shmfb_png_write(path, px, w, h, w * 4, true, NULL, 0), 0);
    free(px);
}

/* ---- round trips ------------------------------------------------------- */

static const struct {
    int32_t w, h, pad;
} shapes[] = {{1, 1, 0}, {1, 7, 4}, {3, 2, 0}, {3, 5, 12}, {257, 3, 4}, {257, 9, 28}, {64, 64, 0}};

static void roundtrip(int i, bool alpha)
{
    int32_t w = shapes[i].w, h = shapes[i].h, stride = w * 4 + shapes[i].pad;
    uint32_t *px = make_pattern(w, h, stride, (uint32_t)i + 1);
    struct shmfb_image img;
    char err[128] = "unset";
    const char *path = tmp_path("rt.png");

    ck_assert_int_eq(shmfb_png_write(path, px, w, h, stride, alpha, err, sizeof(err)), 0);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(shmfb_png_read(path, &img, err, sizeof(err)), 0);
    ck_assert_int_eq(img.width, w);
    ck_assert_int_eq(img.height, h);
    ck_assert_int_eq(img.stride, w * 4);
    for (int32_t y = 0; y < h; y++)
        for (int32_t x = 0; x < w; x++) {
            uint32_t want = *pixel_at(px, stride, x, y);

            if (!alpha)
                want |= 0xff000000u;
            ck_assert_uint_eq(img.pixels[y * w + x], want);
        }
    shmfb_image_free(&img);
    ck_assert_ptr_null(img.pixels);
    ck_assert_int_eq(img.width, 0);
    free(px);
}

START_TEST(test_roundtrip_alpha)
{
    roundtrip(_i, true);
}
END_TEST

START_TEST(test_roundtrip_no_alpha)
{
    roundtrip(_i, false);
}
END_TEST

START_TEST(test_roundtrip_transparent_colour_kept)
{
    uint32_t px[4] = {0x00123456u, 0x01ffffffu, 0x80000000u, 0xfe010203u};
    struct shmfb_image img;

    ck_assert_int_eq(shmfb_png_write(tmp_path("t.png"), px, 2, 2, 8, true, NULL, 0), 0);
    ck_assert_int_eq(shmfb_png_read(tmp_path("t.png"), &img, NULL, 0), 0);
    ck_assert_mem_eq(img.pixels, px, sizeof(px));
    shmfb_image_free(&img);
}
END_TEST

START_TEST(test_overwrite_existing_file)
{
    const char *path = tmp_path("over.png");
    struct shmfb_image img;

    write_good_png(path, 40, 40);
    write_good_png(path, 2, 3);
    ck_assert_int_eq(shmfb_png_read(path, &img, NULL, 0), 0);
    ck_assert_int_eq(img.width, 2);
    ck_assert_int_eq(img.height, 3);
    shmfb_image_free(&img);
}
END_TEST

START_TEST(test_image_alloc)
{
    struct shmfb_image img;

    ck_assert_int_eq(shmfb_image_alloc(&img, 3, 2), 0);
    ck_assert_int_eq(img.width, 3);
    ck_assert_int_eq(img.height, 2);
    ck_assert_int_eq(img.stride, 12);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(img.pixels[i], 0);
    shmfb_image_free(&img);
    ck_assert_int_eq(shmfb_image_alloc(&img, 0, 2), -EINVAL);
    ck_assert_ptr_null(img.pixels);
    ck_assert_int_eq(shmfb_image_alloc(&img, 2, -1), -EINVAL);
    ck_assert_int_eq(shmfb_image_alloc(&img, 65536, 65536), -EOVERFLOW);
    ck_assert_int_eq(shmfb_image_alloc(&img, INT32_MAX, 1), -EOVERFLOW);
    ck_assert_int_eq(shmfb_image_alloc(NULL, 1, 1), -EINVAL);
    shmfb_image_free(NULL);
    shmfb_image_free(&img);
}
END_TEST

/* ---- compare ----------------------------------------------------------- */

static struct shmfb_image image_of(int32_t w, int32_t h, int32_t pad, uint32_t seed)
{
    struct shmfb_image img = {.width = w,
                              .height = h,
                              .stride = w * 4 + pad,
                              .pixels = make_pattern(w, h, w * 4 + pad, seed)};

    return img;
}

/* Adds \p d to the green channel, which the pattern keeps below 0xf0. */
static void nudge(struct shmfb_image *img, int32_t x, int32_t y, int d)
{
    uint32_t *p = pixel_at(img->pixels, img->stride, x, y);

    *p = (*p & 0xffff00ffu) | (uint32_t)((((*p >> 8) & 0xff) % 0xf0 + (uint32_t)d) << 8);
}

static void nudge_both(struct shmfb_image *a, struct shmfb_image *b, int32_t x, int32_t y, int d)
{
    nudge(a, x, y, 0);
    nudge(b, x, y, 0);
    *pixel_at(b->pixels, b->stride, x, y) = *pixel_at(a->pixels, a->stride, x, y);
    nudge(b, x, y, d);
}

START_TEST(test_compare_equal_different_strides)
{
    struct shmfb_image a = image_of(257, 5, 0, 3), b = image_of(257, 5, 20, 3);
    struct shmfb_diff d;

    memset(&d, 0x55, sizeof(d));
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, tmp_path("nodiff.png")), 0);
    ck_assert_uint_eq(d.differing, 0);
    ck_assert_int_eq(d.max_delta, 0);
    ck_assert_int_eq(d.bbox.x | d.bbox.y | d.bbox.w | d.bbox.h, 0);
    ck_assert(!file_exists(tmp_path("nodiff.png")));
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, false, NULL, NULL), 0);
    free(a.pixels);
    free(b.pixels);
}
END_TEST

START_TEST(test_compare_tolerance)
{
    struct shmfb_image a = image_of(31, 17, 8, 5), b = image_of(31, 17, 0, 5);
    struct shmfb_diff d;

    nudge_both(&a, &b, 4, 2, 5);
    nudge_both(&a, &b, 20, 9, 3);
    nudge_both(&a, &b, 7, 15, 5);
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 5, true, &d, NULL), 0);
    ck_assert_uint_eq(d.differing, 0);
    ck_assert_int_eq(d.max_delta, 5);
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 4, true, &d, NULL), 1);
    ck_assert_uint_eq(d.differing, 2);
    ck_assert_int_eq(d.max_delta, 5);
    ck_assert_int_eq(d.bbox.x, 4);
    ck_assert_int_eq(d.bbox.y, 2);
    ck_assert_int_eq(d.bbox.w, 4);
    ck_assert_int_eq(d.bbox.h, 14);
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 2, true, &d, NULL), 1);
    ck_assert_uint_eq(d.differing, 3);
    ck_assert_int_eq(d.bbox.x, 4);
    ck_assert_int_eq(d.bbox.w, 17);
    free(a.pixels);
    free(b.pixels);
}
END_TEST

START_TEST(test_compare_alpha_channel)
{
    struct shmfb_image a = image_of(3, 3, 0, 9), b = image_of(3, 3, 4, 9);
    struct shmfb_diff d;

    *pixel_at(b.pixels, b.stride, 1, 1) ^= 0xff000000u;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, false, &d, NULL), 0);
    ck_assert_int_eq(d.max_delta, 0);
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), 1);
    ck_assert_uint_eq(d.differing, 1);
    ck_assert_int_ge(d.max_delta, 1);
    ck_assert_int_eq(d.bbox.x, 1);
    ck_assert_int_eq(d.bbox.y, 1);
    ck_assert_int_eq(d.bbox.w, 1);
    ck_assert_int_eq(d.bbox.h, 1);
    free(a.pixels);
    free(b.pixels);
}
END_TEST

START_TEST(test_compare_diff_image)
{
    struct shmfb_image a = image_of(9, 4, 4, 11), b = image_of(9, 4, 0, 11), diff;
    const char *path = tmp_path("diff.png");
    struct shmfb_diff d;

    *pixel_at(b.pixels, b.stride, 8, 3) ^= 0x00808080u;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, path), 1);
    ck_assert_int_eq(shmfb_png_read(path, &diff, NULL, 0), 0);
    ck_assert_int_eq(diff.width, 9);
    ck_assert_int_eq(diff.height, 4);
    for (int32_t y = 0; y < 4; y++)
        for (int32_t x = 0; x < 9; x++) {
            uint32_t src = *pixel_at(a.pixels, a.stride, x, y);
            uint32_t want = 0xff000000u | ((src >> 2) & 0x3f3f3fu);

            if (x == 8 && y == 3)
                want = 0xffff0000u;
            ck_assert_uint_eq(diff.pixels[y * 9 + x], want);
        }
    shmfb_image_free(&diff);
    free(a.pixels);
    free(b.pixels);
}
END_TEST

START_TEST(test_compare_diff_write_fails)
{
    struct shmfb_image a = image_of(2, 2, 0, 1), b = image_of(2, 2, 0, 2);
    struct shmfb_diff d;

    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, tmp_path("no/such/dir.png")),
                     -ENOENT);
    ck_assert_uint_gt(d.differing, 0);
    free(a.pixels);
    free(b.pixels);
}
END_TEST

START_TEST(test_compare_size_mismatch)
{
    struct shmfb_image a = image_of(4, 4, 0, 1), b = image_of(4, 5, 0, 1), c = image_of(5, 4, 0, 1);
    struct shmfb_diff d;

    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), -EDOM);
    ck_assert_int_eq(shmfb_image_compare(&a, &c, 255, false, &d, NULL), -EDOM);
    ck_assert_uint_eq(d.differing, 0);
    free(a.pixels);
    free(b.pixels);
    free(c.pixels);
}
END_TEST

START_TEST(test_compare_bad_args)
{
    struct shmfb_image a = image_of(4, 4, 0, 1), b = a;
    struct shmfb_diff d;

    ck_assert_int_eq(shmfb_image_compare(NULL, &a, 0, true, &d, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_image_compare(&a, NULL, 0, true, &d, NULL), -EINVAL);
    ck_assert_int_eq(shmfb_image_compare(&a, &b, -1, true, &d, NULL), -EINVAL);
    b.pixels = NULL;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), -EINVAL);
    b = a;
    b.stride = 12;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), -EINVAL);
    b.stride = 17;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), -EINVAL);
    b = a;
    b.width = 0;
    ck_assert_int_eq(shmfb_image_compare(&a, &b, 0, true, &d, NULL), -EINVAL);
    b = a;
    b.height = -4;
    ck_assert_int_eq(shmfb_image_compare(&b, &a, 0, true, &d, NULL), -EINVAL);
    free(a.pixels);
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

START_TEST(test_read_missing_file)
{
    struct shmfb_image img = {.width = 1, .height = 1, .stride = 4, .pixels = (uint32_t *)&img};
    char err[256];

    ck_assert_int_eq(shmfb_png_read(tmp_path("missing.png"), &img, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_null(img.pixels);
    ck_assert_int_eq(img.width, 0);
    ck_assert_ptr_nonnull(strstr(err, "missing.png"));
    ck_assert_ptr_nonnull(strstr(err, "no such file"));
}
END_TEST

START_TEST(test_read_directory)
{
    struct shmfb_image img;

    ck_assert_int_eq(shmfb_png_read(tmpdir, &img, NULL, 0), -EISDIR);
}
END_TEST

/* Runs \p fn in a child without root's override of file permissions and
 * returns what it returned. */
static int as_unprivileged(int (*fn)(void))
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            fputs("cannot drop root privileges; permission check skipped\n", stderr);
            _exit(EACCES);
        }
        _exit(-fn());
    }
    return -tu_wait_child(pid, 20000);
}

static int read_secret(void)
{
    struct shmfb_image img;

    return shmfb_png_read(tmp_path("secret.png"), &img, NULL, 0);
}

START_TEST(test_read_unreadable)
{
    write_good_png(tmp_path("secret.png"), 2, 2);
    ck_assert_int_eq(chmod(tmpdir, 0755), 0);
    ck_assert_int_eq(chmod(tmp_path("secret.png"), 0), 0);
    ck_assert_int_eq(as_unprivileged(read_secret), -EACCES);
}
END_TEST

START_TEST(test_read_not_png)
{
    static const char text[] = "this is plainly not a PNG file at all\n";
    static const unsigned char half_sig[] = {0x89, 'P', 'N', 'G'};
    struct shmfb_image img;
    char err[128];

    write_bytes(tmp_path("text.png"), text, sizeof(text) - 1);
    ck_assert_int_eq(shmfb_png_read(tmp_path("text.png"), &img, err, sizeof(err)), -EILSEQ);
    ck_assert_str_ne(err, "");
    write_bytes(tmp_path("empty.png"), "", 0);
    ck_assert_int_eq(shmfb_png_read(tmp_path("empty.png"), &img, NULL, 0), -EILSEQ);
    write_bytes(tmp_path("short.png"), half_sig, sizeof(half_sig));
    ck_assert_int_eq(shmfb_png_read(tmp_path("short.png"), &img, NULL, 0), -EILSEQ);
    ck_assert_ptr_null(img.pixels);
}
END_TEST

static void truncate_to(const char *path, off_t size)
{
    ck_assert_int_eq(truncate(path, size), 0);
}

START_TEST(test_read_truncated)
{
    static const off_t sizes[] = {12, 30, 100, 1000, -12};
    const char *path = tmp_path("cut.png");
    struct shmfb_image img;
    struct stat st;
    char err[128];

    write_good_png(path, 64, 64);
    ck_assert_int_eq(stat(path, &st), 0);
    off_t full = st.st_size;

    ck_assert_int_gt(full, 4096);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        write_good_png(path, 64, 64);
        truncate_to(path, sizes[i] > 0 ? sizes[i] : full + sizes[i]);
        err[0] = '\0';
        ck_assert_int_eq(shmfb_png_read(path, &img, err, sizeof(err)), -EBADMSG);
        ck_assert_str_ne(err, "");
        ck_assert_ptr_null(img.pixels);
    }
}
END_TEST

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A signature and an IHDR chunk (8-bit RGBA) claiming the given size,
 * then, if \p with_data, an empty IDAT and IEND. */
static void write_header(const char *path, uint32_t w, uint32_t h, bool good_crc, bool with_data)
{
    unsigned char buf[8 + 25 + 12 + 12] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char *chunk = buf + 8;

    put_be32(chunk, 13);
    memcpy(chunk + 4, "IHDR", 4);
    put_be32(chunk + 8, w);
    put_be32(chunk + 12, h);
    chunk[16] = 8; /* bit depth */
    chunk[17] = 6; /* RGBA */
    put_be32(chunk + 21, crc32_of(chunk + 4, 17) ^ (good_crc ? 0 : 1));
    for (int i = 0; i < 2; i++) {
        chunk = buf + 8 + 25 + 12 * i;
        memcpy(chunk + 4, i ? "IEND" : "IDAT", 4);
        put_be32(chunk + 8, crc32_of(chunk + 4, 4));
    }
    write_bytes(path, buf, with_data ? sizeof(buf) : 8 + 25);
}

START_TEST(test_read_corrupt_header)
{
    struct shmfb_image img;

    write_header(tmp_path("crc.png"), 16, 16, false, true);
    ck_assert_int_eq(shmfb_png_read(tmp_path("crc.png"), &img, NULL, 0), -EBADMSG);
    write_header(tmp_path("cut.png"), 16, 16, true, false);
    ck_assert_int_eq(shmfb_png_read(tmp_path("cut.png"), &img, NULL, 0), -EBADMSG);
    write_header(tmp_path("empty.png"), 16, 16, true, true);
    ck_assert_int_eq(shmfb_png_read(tmp_path("empty.png"), &img, NULL, 0), -EBADMSG);
    write_header(tmp_path("zero.png"), 0, 16, true, true);
    ck_assert_int_eq(shmfb_png_read(tmp_path("zero.png"), &img, NULL, 0), -EBADMSG);
}
END_TEST

static size_t put_chunk(unsigned char *p, const char *type, const unsigned char *data, uint32_t n)
{
    put_be32(p, n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    put_be32(p + 8 + n, crc32_of(p + 4, n + 4));
    return 12 + (size_t)n;
}

/* A PNG of another colour type, its rows (filter byte 0 each) stored in one
 * uncompressed deflate block. */
static void write_raw_png(const char *path, uint32_t w, uint32_t h, unsigned char colour_type,
                          const unsigned char *rows, uint16_t nrows_bytes)
{
    unsigned char ihdr[13] = {0}, z[512],
                  file[1024] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint32_t a = 1, b = 0;
    size_t n = 8;

    ck_assert_uint_le(nrows_bytes, sizeof(z) - 11);
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = 8;
    ihdr[9] = colour_type;
    z[0] = 0x78;
    z[1] = 0x01;
    z[2] = 0x01; /* final block, stored */
    z[3] = (unsigned char)nrows_bytes;
    z[4] = (unsigned char)(nrows_bytes >> 8);
    z[5] = (unsigned char)~z[3];
    z[6] = (unsigned char)~z[4];
    memcpy(z + 7, rows, nrows_bytes);
    for (uint16_t i = 0; i < nrows_bytes; i++) {
        a = (a + rows[i]) % 65521;
        b = (b + a) % 65521;
    }
    put_be32(z + 7 + nrows_bytes, b << 16 | a);
    n += put_chunk(file + n, "IHDR", ihdr, 13);
    n += put_chunk(file + n, "IDAT", z, 11u + nrows_bytes);
    n += put_chunk(file + n, "IEND", NULL, 0);
    write_bytes(path, file, n);
}

START_TEST(test_read_gray)
{
    static const unsigned char rows[] = {0, 0x00, 0x80, 0xff, 0, 0x10, 0x20, 0x30};
    static const uint32_t want[] = {0xff000000u, 0xff808080u, 0xffffffffu,
                                    0xff101010u, 0xff202020u, 0xff303030u};
    struct shmfb_image img;

    write_raw_png(tmp_path("gray.png"), 3, 2, 0, rows, sizeof(rows));
    ck_assert_int_eq(shmfb_png_read(tmp_path("gray.png"), &img, NULL, 0), 0);
    ck_assert_int_eq(img.width, 3);
    ck_assert_int_eq(img.height, 2);
    ck_assert_mem_eq(img.pixels, want, sizeof(want));
    shmfb_image_free(&img);
}
END_TEST

START_TEST(test_read_gray_alpha)
{
    static const unsigned char rows[] = {0, 0x40, 0x00, 0xc0, 0x80, 0, 0xff, 0xff, 0x01, 0x02};
    static const uint32_t want[] = {0x00404040u, 0x80c0c0c0u, 0xffffffffu, 0x02010101u};
    struct shmfb_image img;

    write_raw_png(tmp_path("ga.png"), 2, 2, 4, rows, sizeof(rows));
    ck_assert_int_eq(shmfb_png_read(tmp_path("ga.png"), &img, NULL, 0), 0);
    ck_assert_mem_eq(img.pixels, want, sizeof(want));
    shmfb_image_free(&img);
}
END_TEST

START_TEST(test_read_huge_dimensions)
{
    struct shmfb_image img;
    char err[128];

    write_header(tmp_path("huge.png"), 100000, 100000, true, true);
    ck_assert_int_eq(shmfb_png_read(tmp_path("huge.png"), &img, err, sizeof(err)), -EOVERFLOW);
    ck_assert_ptr_nonnull(strstr(err, "100000x100000"));
    ck_assert_ptr_null(img.pixels);
    write_header(tmp_path("edge.png"), 16384, 16385, true, true);
    ck_assert_int_eq(shmfb_png_read(tmp_path("edge.png"), &img, NULL, 0), -EOVERFLOW);
}
END_TEST

START_TEST(test_write_missing_directory)
{
    uint32_t px = 0xff00ff00u;
    char err[256];
    const char *path = tmp_path("nodir/out.png");

    ck_assert_int_eq(shmfb_png_write(path, &px, 1, 1, 4, true, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "nodir/out.png"));
    ck_assert_int_eq(shmfb_png_write(tmpdir, &px, 1, 1, 4, false, err, sizeof(err)), -EISDIR);
}
END_TEST

static int write_readonly(void)
{
    uint32_t px = 0;

    return shmfb_png_write(tmp_path("ro/x.png"), &px, 1, 1, 4, true, NULL, 0);
}

START_TEST(test_write_unwritable_directory)
{
    ck_assert_int_eq(chmod(tmpdir, 0755), 0);
    ck_assert_int_eq(mkdir(tmp_path("ro"), 0555), 0);
    ck_assert_int_eq(as_unprivileged(write_readonly), -EACCES);
    ck_assert(!file_exists(tmp_path("ro/x.png")));
}
END_TEST

START_TEST(test_write_device_full)
{
    uint32_t *px = make_pattern(300, 300, 1200, 1);
    char err[128] = "";

    if (access("/dev/full", W_OK) != 0) {
        free(px);
        return;
    }
    ck_assert_int_eq(shmfb_png_write("/dev/full", px, 300, 300, 1200, true, err, sizeof(err)),
                     -ENOSPC);
    ck_assert_str_ne(err, "");
    ck_assert(file_exists("/dev/full"));
    free(px);
}
END_TEST

START_TEST(test_write_failure_removes_file)
{
    uint32_t *px = make_pattern(300, 300, 1200, 1);
    struct rlimit old, small = {1000, 1000};
    const char *path = tmp_path("big.png");
    int rc;

    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    rc = shmfb_png_write(path, px, 300, 300, 1200, true, NULL, 0);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_DFL);
    ck_assert_int_eq(rc, -EFBIG);
    ck_assert(!file_exists(path));
    free(px);
}
END_TEST

START_TEST(test_null_args)
{
    uint32_t px = 0;
    struct shmfb_image img;
    char err[64];

    ck_assert_int_eq(shmfb_png_write(NULL, &px, 1, 1, 4, true, err, sizeof(err)), -EINVAL);
    ck_assert_str_ne(err, "");
    ck_assert_int_eq(shmfb_png_write(tmp_path("n.png"), NULL, 1, 1, 4, true, NULL, 0), -EINVAL);
    ck_assert(!file_exists(tmp_path("n.png")));
    ck_assert_int_eq(shmfb_png_read(NULL, &img, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_read(tmp_path("n.png"), NULL, err, sizeof(err)), -EINVAL);
    shmfb_image_free(NULL);
}
END_TEST

START_TEST(test_bad_sizes)
{
    uint32_t px[4] = {0};
    const char *path = tmp_path("bad.png");

    ck_assert_int_eq(shmfb_png_write(path, px, 0, 1, 4, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 1, 0, 4, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, -1, 1, 4, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 2, 2, 4, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 1, 2, 6, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 1, 2, 0, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 1, 2, -4, true, NULL, 0), -EINVAL);
    ck_assert_int_eq(shmfb_png_write(path, px, 20000, 20000, 80000, true, NULL, 0), -EOVERFLOW);
    ck_assert_int_eq(shmfb_png_write(path, px, 1, 1 << 20, 1 << 12, true, NULL, 0), -EOVERFLOW);
    ck_assert(!file_exists(path));
}
END_TEST

START_TEST(test_small_error_buffer)
{
    struct shmfb_image img;
    char err[6];

    memset(err, 'x', sizeof(err));
    ck_assert_int_eq(shmfb_png_read(tmp_path("gone.png"), &img, err, 4), -ENOENT);
    ck_assert_int_eq(err[3], '\0');
    ck_assert_int_eq(err[4], 'x');
    ck_assert_int_eq(shmfb_png_read(tmp_path("gone.png"), &img, NULL, 100), -ENOENT);
}
END_TEST

START_TEST(test_strerror)
{
    static const int codes[] = {-EILSEQ, -EBADMSG, -EDOM, -EOVERFLOW};

    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        ck_assert_ptr_nonnull(shmfb_png_strerror(codes[i]));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(shmfb_png_strerror(codes[i]), shmfb_png_strerror(codes[j]));
    }
    ck_assert_str_eq(shmfb_png_strerror(-EILSEQ), "not a PNG file");
    ck_assert_str_eq(shmfb_png_strerror(-ENOENT), "no such file or directory");
    ck_assert_str_eq(shmfb_png_strerror(-ENOSPC), "no space left on device");
    ck_assert_ptr_nonnull(shmfb_png_strerror(12345));
}
END_TEST

static Suite *png_suite(void)
{
    Suite *s = suite_create("png");
    TCase *rt = tcase_create("roundtrip");
    TCase *cmp = tcase_create("compare");
    TCase *err = tcase_create("errors");
    int nshapes = (int)(sizeof(shapes) / sizeof(shapes[0]));

    tcase_add_loop_test(rt, test_roundtrip_alpha, 0, nshapes);
    tcase_add_loop_test(rt, test_roundtrip_no_alpha, 0, nshapes);
    tcase_add_test(rt, test_roundtrip_transparent_colour_kept);
    tcase_add_test(rt, test_overwrite_existing_file);
    tcase_add_test(rt, test_image_alloc);
    tcase_add_test(rt, test_read_gray);
    tcase_add_test(rt, test_read_gray_alpha);
    tcase_add_test(cmp, test_compare_equal_different_strides);
    tcase_add_test(cmp, test_compare_tolerance);
    tcase_add_test(cmp, test_compare_alpha_channel);
    tcase_add_test(cmp, test_compare_diff_image);
    tcase_add_test(cmp, test_compare_diff_write_fails);
    tcase_add_test(cmp, test_compare_size_mismatch);
    tcase_add_test(cmp, test_compare_bad_args);
    tcase_add_test(err, test_read_missing_file);
    tcase_add_test(err, test_read_directory);
    tcase_add_test(err, test_read_unreadable);
    tcase_add_test(err, test_read_not_png);
    tcase_add_test(err, test_read_truncated);
    tcase_add_test(err, test_read_corrupt_header);
    tcase_add_test(err, test_read_huge_dimensions);
    tcase_add_test(err, test_write_missing_directory);
    tcase_add_test(err, test_write_unwritable_directory);
    tcase_add_test(err, test_write_device_full);
    tcase_add_test(err, test_write_failure_removes_file);
    tcase_add_test(err, test_null_args);
    tcase_add_test(err, test_bad_sizes);
    tcase_add_test(err, test_small_error_buffer);
    tcase_add_test(err, test_strerror);
    for (TCase **tc = (TCase *[]){rt, cmp, err, NULL}; *tc; tc++) {
        tcase_add_unchecked_fixture(*tc, suite_setup, suite_teardown);
        tcase_add_checked_fixture(*tc, tu_setup, tu_teardown);
        suite_add_tcase(s, *tc);
    }
    return s;
}

int main(void)
{
    tu_sweep_stale();
    SRunner *sr = srunner_create(png_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
