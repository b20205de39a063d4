using System;
using System.Collections.Generic;
using System.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace InstantIdAvatars.Pose
{
    /// <summary>
    /// Grid of a contact sheet: <see cref="Columns"/> × <see cref="Rows"/> cells of <see cref="CellWidth"/> ×
    /// <see cref="CellHeight"/> pixels, <see cref="Padding"/> pixels between cells and around the border, filled
    /// row-major (index = row · Columns + column).
    /// </summary>
    public sealed class ContactSheetLayout
    {
        /// <summary>Default gap between cells and around the border, in pixels.</summary>
        public const int DefaultPadding = 8;

        /// <summary>Largest sheet side, in pixels.</summary>
        public const int MaxSide = 32768;

        /// <summary>Creates a layout; throws <see cref="InstantIdException"/> for non-positive counts or sizes, negative padding or an oversized sheet.</summary>
        public ContactSheetLayout(int columns, int rows, int cellWidth, int cellHeight, int padding = DefaultPadding)
        {
            if (columns < 1 || rows < 1)
                throw new InstantIdException("A contact sheet needs at least one column and one row; got " + columns + "×" + rows + ".");
            if (cellWidth < 1 || cellHeight < 1)
                throw new InstantIdException("Contact sheet cells must be at least 1×1 pixels; got " + cellWidth + "×" + cellHeight + ".");
            if (padding < 0)
                throw new InstantIdException("Contact sheet padding cannot be negative; got " + padding + ".");
            var width = (long)columns * cellWidth + (columns + 1L) * padding;
            var height = (long)rows * cellHeight + (rows + 1L) * padding;
            if (width > MaxSide || height > MaxSide)
                throw new InstantIdException("The contact sheet would be " + width + "×" + height + " pixels, over the " + MaxSide +
                                             " px limit; use smaller cells or split the views over several sheets.");
            Columns = columns;
            Rows = rows;
            CellWidth = cellWidth;
            CellHeight = cellHeight;
            Padding = padding;
        }

        /// <summary>
        /// A layout for <paramref name="count"/> images: <paramref name="columns"/> columns (0 = ⌈√count⌉) and as
        /// many rows as needed.
        /// </summary>
        public static ContactSheetLayout ForCount(int count, int cellWidth, int cellHeight, int padding = DefaultPadding, int columns = 0)
        {
            if (count < 1)
                throw new InstantIdException("A contact sheet needs at least one image; got " + count + ".");
            if (columns < 0)
                throw new InstantIdException("Contact sheet columns cannot be negative (0 = automatic); got " + columns + ".");
            if (columns == 0)
                columns = (int)Math.Ceiling(Math.Sqrt(count));
            columns = Math.Min(columns, count);
            var rows = (count + columns - 1) / columns;
            return new ContactSheetLayout(columns, rows, cellWidth, cellHeight, padding);
        }

        /// <summary>Number of columns.</summary>
        public int Columns { get; }

        /// <summary>Number of rows.</summary>
        public int Rows { get; }

        /// <summary>Cell width in pixels.</summary>
        public int CellWidth { get; }

        /// <summary>Cell height in pixels.</summary>
        public int CellHeight { get; }

        /// <summary>Gap between cells and around the border, in pixels.</summary>
        public int Padding { get; }

        /// <summary>Number of cells.</summary>
        public int Capacity => Columns * Rows;

        /// <summary>Sheet width: Columns · CellWidth + (Columns + 1) · Padding.</summary>
        public int SheetWidth => Columns * CellWidth + (Columns + 1) * Padding;

        /// <summary>Sheet height: Rows · CellHeight + (Rows + 1) · Padding.</summary>
        public int SheetHeight => Rows * CellHeight + (Rows + 1) * Padding;

        /// <summary>Pixel rectangle of cell <paramref name="index"/> (row-major).</summary>
        public Rectangle CellBounds(int index)
        {
            if (index < 0 || index >= Capacity)
                throw new ArgumentOutOfRangeException(nameof(index), index, "Cell index must be 0.." + (Capacity - 1) + ".");
            var column = index % Columns;
            var row = index / Columns;
            return new Rectangle(Padding + column * (CellWidth + Padding), Padding + row * (CellHeight + Padding), CellWidth, CellHeight);
        }
    }

    /// <summary>Composes views (e.g. a turntable's) into one contact-sheet image and saves it atomically.</summary>
    public static class ContactSheet
    {
        /// <summary>
        /// Draws <paramref name="images"/> into the cells of <paramref name="layout"/> in order on a
        /// <paramref name="background"/>-filled sheet (default black). A null entry leaves its cell empty. An image
        /// smaller than its cell is centred; a larger one is scaled down to fit (aspect kept) and centred.
        /// </summary>
        public static Image<Rgb24> Compose(IReadOnlyList<Image<Rgb24>?> images, ContactSheetLayout layout, Rgb24 background = default)
        {
            if (images == null)
                throw new ArgumentNullException(nameof(images));
            if (layout == null)
                throw new ArgumentNullException(nameof(layout));
            if (images.Count > layout.Capacity)
                throw new InstantIdException(images.Count + " images do not fit a " + layout.Columns + "×" + layout.Rows +
                                             " contact sheet; use more columns or rows (ContactSheetLayout.ForCount picks enough).");
            var sheet = new Image<Rgb24>(layout.SheetWidth, layout.SheetHeight, background);
            try
            {
                for (var i = 0; i < images.Count; i++)
                {
                    var image = images[i];
                    if (image != null)
                        Place(sheet, image, layout.CellBounds(i));
                }
                return sheet;
            }
            catch
            {
                sheet.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Saves <paramref name="sheet"/> as PNG without ever leaving a half-written file at <paramref name="path"/>
        /// (temporary file in the same folder, then rename). Creates the folder if needed.
        /// </summary>
        public static void SavePng(Image<Rgb24> sheet, string path)
        {
            if (sheet == null)
                throw new ArgumentNullException(nameof(sheet));
            if (string.IsNullOrWhiteSpace(path))
                throw new InstantIdException("Give a file path to save the contact sheet to.");
            byte[] bytes;
            using (var buffer = new MemoryStream())
            {
                sheet.Save(buffer, new PngEncoder());
                bytes = buffer.ToArray();
            }
            try
            {
                AtomicFile.WriteAllBytes(path, bytes);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException || e is ArgumentException)
            {
                throw new InstantIdException("Could not write the contact sheet to '" + path + "': " + e.Message +
                                             " Check that the folder is writable and the name is valid.", e);
            }
        }

        static void Place(Image<Rgb24> sheet, Image<Rgb24> image, Rectangle cell)
        {
            if (image.Width <= cell.Width && image.Height <= cell.Height)
            {
                Copy(sheet, image, cell.X + (cell.Width - image.Width) / 2, cell.Y + (cell.Height - image.Height) / 2);
                return;
            }
            var scale = Math.Min((double)cell.Width / image.Width, (double)cell.Height / image.Height);
            var width = Math.Max(1, Math.Min(cell.Width, (int)Math.Round(image.Width * scale)));
            var height = Math.Max(1, Math.Min(cell.Height, (int)Math.Round(image.Height * scale)));
            using var fitted = image.Clone(context => context.Resize(width, height));
            Copy(sheet, fitted, cell.X + (cell.Width - width) / 2, cell.Y + (cell.Height - height) / 2);
        }

        static void Copy(Image<Rgb24> sheet, Image<Rgb24> image, int x, int y)
        {
            image.ProcessPixelRows(sheet, (source, target) =>
            {
                for (var row = 0; row < source.Height; row++)
                    source.GetRowSpan(row).CopyTo(target.GetRowSpan(y + row).Slice(x, source.Width));
            });
        }
    }
}
