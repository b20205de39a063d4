using System;
using System.IO;
using InstantIdAvatars.Pose;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace InstantIdAvatars.Tests.Pose
{
    public class ContactSheetTests
    {
        static Image<Rgb24> Solid(int width, int height, byte r, byte g, byte b) => new Image<Rgb24>(width, height, new Rgb24(r, g, b));

        [Test]
        public void Layout_Geometry_IsCellsPlusPaddingEverywhere()
        {
            var layout = new ContactSheetLayout(3, 2, 40, 30, 5);
            Assert.That(layout.SheetWidth, Is.EqualTo(3 * 40 + 4 * 5));
            Assert.That(layout.SheetHeight, Is.EqualTo(2 * 30 + 3 * 5));
            Assert.That(layout.Capacity, Is.EqualTo(6));
            Assert.That(layout.CellBounds(0), Is.EqualTo(new Rectangle(5, 5, 40, 30)));
            Assert.That(layout.CellBounds(2), Is.EqualTo(new Rectangle(5 + 2 * 45, 5, 40, 30)));
            Assert.That(layout.CellBounds(4), Is.EqualTo(new Rectangle(50, 40, 40, 30)));
            Assert.That(() => layout.CellBounds(6), Throws.InstanceOf<ArgumentOutOfRangeException>());
        }

        [Test]
        public void ForCount_PicksSquareishGrid()
        {
            var seven = ContactSheetLayout.ForCount(7, 16, 16);
            Assert.That((seven.Columns, seven.Rows), Is.EqualTo((3, 3)));
            var eightWide = ContactSheetLayout.ForCount(8, 16, 16, 2, columns: 8);
            Assert.That((eightWide.Columns, eightWide.Rows), Is.EqualTo((8, 1)));
            var two = ContactSheetLayout.ForCount(2, 16, 16, 0, columns: 5);
            Assert.That((two.Columns, two.Rows), Is.EqualTo((2, 1)));
            Assert.That(() => ContactSheetLayout.ForCount(0, 16, 16), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => new ContactSheetLayout(1, 1, 16, 16, -1), Throws.InstanceOf<InstantIdException>());
            Assert.That(() => new ContactSheetLayout(100, 1, 1024, 1024), Throws.InstanceOf<InstantIdException>().With.Message.Contains("limit"));
        }

        [Test]
        public void Compose_PlacesSolidImagesInTheirCells()
        {
            var layout = new ContactSheetLayout(2, 2, 10, 8, 3);
            using var red = Solid(10, 8, 255, 0, 0);
            using var green = Solid(10, 8, 0, 255, 0);
            using var blue = Solid(10, 8, 0, 0, 255);
            using var sheet = ContactSheet.Compose(new Image<Rgb24>?[] { red, green, blue }, layout, new Rgb24(9, 9, 9));
            Assert.That(sheet.Width, Is.EqualTo(2 * 10 + 3 * 3));
            Assert.That(sheet.Height, Is.EqualTo(2 * 8 + 3 * 3));

            var grey = new Rgb24(9, 9, 9);
            var colours = new[] { new Rgb24(255, 0, 0), new Rgb24(0, 255, 0), new Rgb24(0, 0, 255), grey };
            for (var y = 0; y < sheet.Height; y++)
            {
                for (var x = 0; x < sheet.Width; x++)
                {
                    var expected = grey;
                    for (var i = 0; i < 4; i++)
                    {
                        if (layout.CellBounds(i).Contains(x, y))
                            expected = colours[i];
                    }
                    Assert.That(sheet[x, y], Is.EqualTo(expected), "pixel (" + x + ", " + y + ")");
                }
            }
            // Spot checks written out by hand: first cell spans x 3..12, y 3..10; second starts at x 16.
            Assert.That(sheet[3, 3], Is.EqualTo(new Rgb24(255, 0, 0)));
            Assert.That(sheet[12, 10], Is.EqualTo(new Rgb24(255, 0, 0)));
            Assert.That(sheet[13, 3], Is.EqualTo(grey));
            Assert.That(sheet[16, 3], Is.EqualTo(new Rgb24(0, 255, 0)));
            Assert.That(sheet[3, 14], Is.EqualTo(new Rgb24(0, 0, 255)));
        }

        [Test]
        public void Compose_CentresSmallImagesAndShrinksLargeOnes()
        {
            var layout = new ContactSheetLayout(2, 1, 10, 10, 0);
            using var small = Solid(4, 2, 200, 100, 50);
            using var large = Solid(40, 20, 10, 20, 30);
            using var sheet = ContactSheet.Compose(new Image<Rgb24>?[] { small, large }, layout);
            // 4×2 in a 10×10 cell → offset (3, 4).
            Assert.That(sheet[3, 4], Is.EqualTo(new Rgb24(200, 100, 50)));
            Assert.That(sheet[6, 5], Is.EqualTo(new Rgb24(200, 100, 50)));
            Assert.That(sheet[2, 4], Is.EqualTo(default(Rgb24)));
            Assert.That(sheet[3, 6], Is.EqualTo(default(Rgb24)));
            // 40×20 scaled by 0.25 → 10×5, centred at y 2..6 of the second cell (x 10..19).
            Assert.That(sheet[10, 2], Is.EqualTo(new Rgb24(10, 20, 30)));
            Assert.That(sheet[19, 6], Is.EqualTo(new Rgb24(10, 20, 30)));
            Assert.That(sheet[15, 1], Is.EqualTo(default(Rgb24)));
            Assert.That(sheet[15, 7], Is.EqualTo(default(Rgb24)));
        }

        [Test]
        public void Compose_NullEntryLeavesCellEmpty_AndTooManyImagesThrow()
        {
            var layout = new ContactSheetLayout(2, 1, 4, 4, 1);
            using var white = Solid(4, 4, 255, 255, 255);
            using (var sheet = ContactSheet.Compose(new Image<Rgb24>?[] { null, white }, layout))
            {
                Assert.That(sheet[2, 2], Is.EqualTo(default(Rgb24)));
                Assert.That(sheet[7, 2], Is.EqualTo(new Rgb24(255, 255, 255)));
            }
            Assert.That(() => ContactSheet.Compose(new Image<Rgb24>?[] { white, white, white }, layout), Throws.InstanceOf<InstantIdException>());
        }

        [Test]
        public void SavePng_WritesAtomicallyAndOverwrites()
        {
            var folder = TestData.NewTempFolder();
            try
            {
                var path = Path.Combine(folder, "sheets", "turntable.png");
                var layout = new ContactSheetLayout(2, 1, 3, 3, 1);
                using var a = Solid(3, 3, 1, 2, 3);
                using (var sheet = ContactSheet.Compose(new Image<Rgb24>?[] { a }, layout))
                    ContactSheet.SavePng(sheet, path);
                using (var loaded = Image.Load<Rgb24>(path))
                {
                    Assert.That(loaded.Width, Is.EqualTo(9));
                    Assert.That(loaded[1, 1], Is.EqualTo(new Rgb24(1, 2, 3)));
                    Assert.That(loaded[5, 1], Is.EqualTo(default(Rgb24)));
                }
                using (var other = Solid(5, 5, 7, 7, 7))
                    ContactSheet.SavePng(other, path);
                using (var reloaded = Image.Load<Rgb24>(path))
                    Assert.That(reloaded[0, 0], Is.EqualTo(new Rgb24(7, 7, 7)));
                Assert.That(Directory.GetFiles(Path.Combine(folder, "sheets")), Is.EqualTo(new[] { path }), "no temporary files left behind");
            }
            finally
            {
                Directory.Delete(folder, true);
            }
        }
    }
}
