using System;
using System.IO;
using System.Text;

namespace InstantIdAvatars.Tests
{
    /// <summary>One small helper for locating and loading the fixtures under Tests/Fixtures.</summary>
    public static class TestData
    {
        static string? _root;

        /// <summary>Absolute path of Tests/Fixtures, found by walking up to the package root.</summary>
        public static string Root => _root ??= FindRoot();

        /// <summary>Absolute path of a fixture, given relative to Tests/Fixtures.</summary>
        public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

        /// <summary>The bundled tiny random-weight model set (follows the model-set contract exactly).</summary>
        public static string TinyModelSet => Path("TinyModelSet");

        /// <summary>The public-domain demo portrait (one frontal face the tiny detector finds).</summary>
        public static string AstronautPhoto => Path("Faces/astronaut.png");

        /// <summary>Generator options for tests: CPU provider, one thread per model run (the CI box has 2 cores).</summary>
        public static InstantIdAvatars.Pipeline.GeneratorOptions CpuOptions(bool lowVram = false) => new InstantIdAvatars.Pipeline.GeneratorOptions
        {
            LowVram = lowVram,
            Sessions = new InstantIdAvatars.Models.SessionSettings { Provider = InstantIdAvatars.Models.ExecutionProvider.Cpu, IntraOpThreads = 1 },
        };

        /// <summary>The package root (the folder holding package.json).</summary>
        public static string PackageRoot => System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, "..", ".."));

        /// <summary>A fresh empty folder under the system temp folder; deleted by the caller.</summary>
        public static string NewTempFolder()
        {
            var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "instantid-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        /// <summary>A writable copy of the tiny model set (without Unity .meta files) in a new temp folder.</summary>
        public static string CopyTinyModelSet()
        {
            var copy = NewTempFolder();
            foreach (var file in Directory.GetFiles(TinyModelSet, "*", SearchOption.AllDirectories))
            {
                if (file.EndsWith(".meta", StringComparison.Ordinal)) continue;
                var target = System.IO.Path.Combine(copy, System.IO.Path.GetRelativePath(TinyModelSet, file));
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            return copy;
        }

        static string FindRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "Tests", "Fixtures");
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "package.json")) && Directory.Exists(candidate))
                    return candidate;
                dir = dir.Parent;
            }
            throw new DirectoryNotFoundException("Tests/Fixtures not found above " + AppContext.BaseDirectory);
        }

        /// <summary>
        /// Loads a NumPy .npy file (format 1.0/2.0, little-endian, C order) of float32, float64, int32 or int64
        /// as float32 values with its shape.
        /// </summary>
        public static (float[] Data, int[] Shape) LoadNpy(string path)
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            var magic = reader.ReadBytes(6);
            if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
                throw new InvalidDataException(path + " is not an .npy file");
            int major = reader.ReadByte();
            reader.ReadByte();
            int headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
            var header = Encoding.ASCII.GetString(reader.ReadBytes(headerLength));
            var descr = Field(header, "descr");
            if (header.Contains("'fortran_order': True"))
                throw new InvalidDataException(path + ": Fortran order is not supported");
            var shapeText = header.Substring(header.IndexOf('(') + 1);
            shapeText = shapeText.Substring(0, shapeText.IndexOf(')'));
            var parts = shapeText.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries);
            var shape = new int[parts.Length];
            long count = 1;
            for (int i = 0; i < parts.Length; i++) { shape[i] = int.Parse(parts[i].Trim()); count *= shape[i]; }
            var data = new float[count];
            for (long i = 0; i < count; i++)
            {
                data[i] = descr switch
                {
                    "<f4" => reader.ReadSingle(),
                    "<f8" => (float)reader.ReadDouble(),
                    "<i4" => reader.ReadInt32(),
                    "<i8" => reader.ReadInt64(),
                    "|u1" => reader.ReadByte(),
                    _ => throw new InvalidDataException(path + ": unsupported dtype " + descr),
                };
            }
            return (data, shape);
        }

        static string Field(string header, string name)
        {
            var key = "'" + name + "': '";
            var start = header.IndexOf(key, StringComparison.Ordinal) + key.Length;
            return header.Substring(start, header.IndexOf('\'', start) - start);
        }

        /// <summary>Largest absolute difference of two equally long arrays.</summary>
        public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            if (a.Length != b.Length) throw new ArgumentException($"length {a.Length} != {b.Length}");
            float max = 0;
            for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
            return max;
        }
    }
}
