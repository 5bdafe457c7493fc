using System.Globalization;

namespace FedEdge.Sensors.Datasets;

/// <summary>
/// Splits text into lines ('\n' or "\r\n") without ever holding more than
/// <c>maxLineLength</c> characters of one line, unlike <see cref="TextReader.ReadLine"/>, which
/// would allocate a string of whatever length the file contains before we could object.
/// The current line is valid until the next read.
/// </summary>
internal sealed class BoundedLineReader
{
    private const int ChunkSize = 4096;

    private readonly TextReader _reader;
    private readonly ByteCountingStream _bytes;
    private readonly string _fileName;
    private readonly int _maxLineLength;
    private readonly long _maxBytes;
    private readonly char[] _chunk = new char[ChunkSize];
    private char[] _line = new char[256];
    private int _lineLength;
    private int _pos;
    private int _len;

    public BoundedLineReader(TextReader reader, ByteCountingStream bytes, string fileName, int maxLineLength, long maxBytes)
    {
        _reader = reader;
        _bytes = bytes;
        _fileName = fileName;
        _maxLineLength = maxLineLength;
        _maxBytes = maxBytes;
    }

    /// <summary>1-based number of the current line; 0 before the first read.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The current line without its line break.</summary>
    public ReadOnlySpan<char> Current => _line.AsSpan(0, _lineLength);

    public bool ReadLine()
    {
        _lineLength = 0;
        while (true)
        {
            if (_pos >= _len && !AfterFill(_reader.Read(_chunk, 0, ChunkSize)))
            {
                return FinishAtEnd();
            }

            if (ConsumeChunk())
            {
                return true;
            }
        }
    }

    public async ValueTask<bool> ReadLineAsync(CancellationToken cancellationToken)
    {
        _lineLength = 0;
        while (true)
        {
            if (_pos >= _len && !AfterFill(await _reader.ReadAsync(_chunk.AsMemory(), cancellationToken).ConfigureAwait(false)))
            {
                return FinishAtEnd();
            }

            if (ConsumeChunk())
            {
                return true;
            }
        }
    }

    private bool AfterFill(int read)
    {
        if (_bytes.BytesRead > _maxBytes)
        {
            throw new DatasetFormatException(_fileName, LineNumber + 1, null, string.Create(
                CultureInfo.InvariantCulture,
                $"the text is longer than the limit of {_maxBytes} bytes (MaxBytes, counted after decompression)."));
        }

        _pos = 0;
        _len = read;
        return read > 0;
    }

    /// <summary>Moves chunk text into the line buffer; true when a line break completed the line.</summary>
    private bool ConsumeChunk()
    {
        var rest = _chunk.AsSpan(_pos, _len - _pos);
        int newline = rest.IndexOf('\n');
        int take = newline < 0 ? rest.Length : newline;
        Append(rest[..take]);
        if (newline < 0)
        {
            _pos = _len;
            return false;
        }

        _pos += newline + 1;
        CompleteLine();
        return true;
    }

    private bool FinishAtEnd()
    {
        if (_lineLength == 0)
        {
            return false;
        }

        CompleteLine();
        return true;
    }

    private void CompleteLine()
    {
        LineNumber++;
        if (_lineLength > 0 && _line[_lineLength - 1] == '\r')
        {
            _lineLength--;
        }

        if (_lineLength > _maxLineLength)
        {
            throw TooLong(LineNumber);
        }
    }

    private void Append(ReadOnlySpan<char> text)
    {
        int needed = _lineLength + text.Length;

        // One extra character is allowed for the '\r' of a "\r\n" line break.
        if (needed > _maxLineLength + 1)
        {
            throw TooLong(LineNumber + 1);
        }

        if (needed > _line.Length)
        {
            Array.Resize(ref _line, (int)Math.Min(Math.Max(needed, 2L * _line.Length), _maxLineLength + 1L));
        }

        text.CopyTo(_line.AsSpan(_lineLength));
        _lineLength = needed;
    }

    private DatasetFormatException TooLong(int lineNumber) => new(_fileName, lineNumber, null, string.Create(
        CultureInfo.InvariantCulture,
        $"the line is longer than the limit of {_maxLineLength} characters (MaxLineLength)."));
}
