#!/usr/bin/env node
// Independent Parquet writer for tests/integration/parquet_test.cpp: writes
// files with the npm package parquetjs-lite (pure JavaScript, no DuckDB), so
// the reader is checked against files it did not write itself.
//
//   NODE_PATH=<dir>/node_modules node write_parquet.js OUT --rows N --dim D
//       [--start S]          first id (ids are S, S+1, ...; default 0)
//       [--row-group R]      rows per row group (default 1000)
//       [--id int32|int64|uint64]               id column type (default int64)
//       [--vector float|double|text|ragged]     vector column (default float):
//            float/double: repeated FLOAT/DOUBLE of D values;
//            text: a UTF8 column (a wrong type for a vector);
//            ragged: like float, but row 7 has D + 1 values
//       [--id-name NAME] [--vector-name NAME]   column names (index, vector)
//       [--values-from FILE] row r's values are floats r*D .. r*D+D-1 of FILE
//                            (raw little-endian float32, e.g. random vectors)
//
// Otherwise values are value(id, j) = ((id * 131 + j * 17) % 2001 - 1000) / 64,
// exact in float32, so the C++ test recomputes them. Exit status 1 on any error.
'use strict';
const fs = require('fs');
const parquet = require('parquetjs-lite');

function value(id, j) {
  return (((id * 131 + j * 17) % 2001) - 1000) / 64;
}

function parseArgs(argv) {
  const o = { out: argv[0], rows: 0, dim: 0, start: 0, rowGroup: 1000, id: 'int64',
              vector: 'float', idName: 'index', vectorName: 'vector', valuesFrom: null };
  const keys = { '--rows': 'rows', '--dim': 'dim', '--start': 'start', '--row-group': 'rowGroup',
                 '--id': 'id', '--vector': 'vector', '--id-name': 'idName',
                 '--vector-name': 'vectorName', '--values-from': 'valuesFrom' };
  for (let i = 1; i < argv.length; i += 2) {
    const key = keys[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error('bad argument ' + argv[i]);
    o[key] = ['rows', 'dim', 'start', 'rowGroup'].includes(key) ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!o.out || !(o.rows >= 0) || !(o.dim > 0)) throw new Error('need OUT --rows N --dim D');
  return o;
}

function schemaFor(o) {
  const idType = { int32: 'INT32', int64: 'INT64', uint64: 'UINT_64' }[o.id];
  if (!idType) throw new Error('bad --id ' + o.id);
  let vec;
  if (o.vector === 'float' || o.vector === 'ragged') vec = { type: 'FLOAT', repeated: true };
  else if (o.vector === 'double') vec = { type: 'DOUBLE', repeated: true };
  else if (o.vector === 'text') vec = { type: 'UTF8' };
  else throw new Error('bad --vector ' + o.vector);
  return new parquet.ParquetSchema({ [o.idName]: { type: idType }, [o.vectorName]: vec });
}

function rowFor(o, r, raw) {
  const id = o.start + r;
  const n = o.vector === 'ragged' && r === 7 ? o.dim + 1 : o.dim;
  const values = Array.from({ length: n }, (_, j) => (raw ? raw[r * o.dim + j] : value(id, j)));
  const idValue = o.id === 'int32' ? id : BigInt(id);
  return { [o.idName]: idValue, [o.vectorName]: o.vector === 'text' ? values.join(',') : values };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let raw = null;
  if (o.valuesFrom) {
    const bytes = fs.readFileSync(o.valuesFrom);
    raw = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    if (raw.length < o.rows * o.dim) throw new Error(o.valuesFrom + ' holds too few floats');
  }
  const writer = await parquet.ParquetWriter.openFile(schemaFor(o), o.out);
  writer.setRowGroupSize(o.rowGroup);
  for (let r = 0; r < o.rows; ++r) await writer.appendRow(rowFor(o, r, raw));
  await writer.close();
}

main().catch((e) => {
  console.error('write_parquet.js: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
