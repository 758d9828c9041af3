/*
 * The producer's cursor as a window cursor (viewer/cursor.c) without a
 * window: premultiplying, scaling and the hotspot.
 */
#include "view.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_premultiply_all)
{
    /* Every colour value at every alpha, against the real quotient rounded. */
    for (uint32_t a = 0; a < 256; a++) {
        for (uint32_t c = 0; c < 256; c++) {
            uint32_t want = (uint32_t)lround((double)c * (double)a / 255.0);
            uint32_t got = view_premultiply(a << 24 | c << 16 | c << 8 | c);
            ck_assert_uint_eq(got, a << 24 | want << 16 | want << 8 | want);
        }
    }
}
END_TEST

START_TEST(test_premultiply_channels)
{
    /* Channels stay apart; opaque pixels stay; transparent ones vanish. */
    ck_assert_uint_eq(view_premultiply(0x80ff4000u), 0x80802000u);
    ck_assert_uint_eq(view_premultiply(0xff123456u), 0xff123456u);
    ck_assert_uint_eq(view_premultiply(0x00ff00ffu), 0u);
}
END_TEST

START_TEST(test_scale)
{
    ck_assert_int_eq(view_cursor_scale(16, 16, 0), 1);
    ck_assert_int_eq(view_cursor_scale(16, 16, 1), 1);
    ck_assert_int_eq(view_cursor_scale(16, 16, 3), 3);
    /* At most VIEW_CURSOR_MAX a side: 64 x 4 = 256. */
    ck_assert_int_eq(view_cursor_scale(64, 64, 8), 4);
    ck_assert_int_eq(view_cursor_scale(1, 64, 5), 4);
    ck_assert_int_eq(view_cursor_scale(65, 2, 4), 3);
    /* Never below 1, however large. */
    ck_assert_int_eq(view_cursor_scale(300, 300, 2), 1);
}
END_TEST

static struct shmfb_cursor *shape(int w, int h, int hx, int hy)
{
    struct shmfb_cursor *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->state = SHMFB_CURSOR_SHAPE;
    c->width = w;
    c->height = h;
    c->hot_x = hx;
    c->hot_y = hy;
    for (int i = 0; i < w * h; i++)
        c->pixels[i] = 0x80000000u | (uint32_t)(i * 0x010305);
    return c;
}

START_TEST(test_image_plain)
{
    struct shmfb_cursor *c = shape(3, 2, 2, 1);
    uint32_t out[6];
    int hx, hy;
    view_cursor_image(c, 1, false, out, &hx, &hy);
    ck_assert_mem_eq(out, c->pixels, sizeof out);
    ck_assert_int_eq(hx, 2);
    ck_assert_int_eq(hy, 1);
    view_cursor_image(c, 1, true, out, &hx, &hy);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(out[i], view_premultiply(c->pixels[i]));
    free(c);
}
END_TEST

START_TEST(test_image_scaled)
{
    /* 3x2 at k = 3: 9x6, each pixel a 3x3 block, rows packed. */
    struct shmfb_cursor *c = shape(3, 2, 1, 0);
    uint32_t out[9 * 6];
    int hx, hy;
    memset(out, 0xee, sizeof out);
    view_cursor_image(c, 3, false, out, &hx, &hy);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 9; x++)
            ck_assert_uint_eq(out[y * 9 + x], c->pixels[(y / 3) * 3 + x / 3]);
    /* The middle of the hotspot's block. */
    ck_assert_int_eq(hx, 4);
    ck_assert_int_eq(hy, 1);
    view_cursor_image(c, 2, false, out, &hx, &hy);
    ck_assert_int_eq(hx, 3);
    ck_assert_int_eq(hy, 1);
    free(c);
}
END_TEST

START_TEST(test_image_largest)
{
    /* The largest shape at the largest scale fills exactly 256 x 256. */
    struct shmfb_cursor *c = shape(SHMFB_CURSOR_MAX, SHMFB_CURSOR_MAX, 63, 63);
    int k = view_cursor_scale(c->width, c->height, 64);
    ck_assert_int_eq(k * SHMFB_CURSOR_MAX, VIEW_CURSOR_MAX);
    size_t n = (size_t)VIEW_CURSOR_MAX * VIEW_CURSOR_MAX;
    uint32_t *out = malloc((n + 1) * 4);
    ck_assert_ptr_nonnull(out);
    out[n] = 0xdeadbeefu;
    int hx, hy;
    view_cursor_image(c, k, true, out, &hx, &hy);
    ck_assert_uint_eq(out[n], 0xdeadbeefu);
    ck_assert_uint_eq(out[n - 1],
                      view_premultiply(c->pixels[SHMFB_CURSOR_MAX * SHMFB_CURSOR_MAX - 1]));
    ck_assert_int_eq(hx, 63 * 4 + 2);
    ck_assert_int_eq(hy, 63 * 4 + 2);
    free(out);
    free(c);
}
END_TEST

static Suite *cursor_suite(void)
{
    Suite *s = suite_create("viewer_cursor");
    TCase *px = tcase_create("premultiply");
    tcase_add_test(px, test_premultiply_all);
    tcase_add_test(px, test_premultiply_channels);
    suite_add_tcase(s, px);
    TCase *img = tcase_create("image");
    tcase_add_test(img, test_scale);
    tcase_add_test(img, test_image_plain);
    tcase_add_test(img, test_image_scaled);
    tcase_add_test(img, test_image_largest);
    suite_add_tcase(s, img);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(cursor_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
